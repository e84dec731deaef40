import type { Actor } from '../platform/actor.js';
import { AppError, DomainRuleError } from '../platform/errors.js';
import {
  type CatalogFile,
  type CatalogLocation,
  type CatalogProblem,
  type CiName,
  candidateCis,
  planCatalog,
  refKey,
} from './backstage-catalog.js';
import type { CiService } from './ci.service.js';
import type { ImportResult, ImportService } from './import.service.js';

export interface BackstageImportOptions {
  /** The import source the CIs and relationships are recorded under (default `backstage`). */
  source: string;
  atomic?: boolean | undefined;
  /** Remove relationships of `source` that this catalog no longer declares. */
  prune?: boolean | undefined;
}

export interface BackstageImportResult {
  entities: { read: number; mapped: number; byKind: Record<string, number>; skipped: Record<string, number> };
  cis: ImportResult['cis'];
  relationships: ImportResult['relationships'];
  /** Catalog errors and import errors, located in the catalog files (first 1000). */
  errors: CatalogProblem[];
  errorCount: number;
  durationMs: number;
}

const MAX_REPORTED_ERRORS = 1000;
/** NDJSON lines handed to the import per chunk of the generated stream. */
const LINES_PER_CHUNK = 500;

/** Where an NDJSON line came from in the catalog, to report import errors there. */
interface Origin extends CatalogLocation {
  entity: string;
  /** For relationship lines: the field and the reference as written. */
  field?: string;
}

const ciRef = (ci: CiName) => `${ci.class}/${ci.name}`;

function byLocation(a: CatalogProblem, b: CatalogProblem): number {
  return (a.file ?? '').localeCompare(b.file ?? '') || a.document - b.document || a.line - b.line;
}

/**
 * Imports a Backstage software catalog into the CMDB: catalog-info.yaml entities become CIs and
 * relationships (see backstage-catalog.ts for the mapping), written through the NDJSON import,
 * so upsert by class/name, history, audit, prune and the impact index behave exactly as for any
 * other import. Errors name the file, the document and the line of the catalog.
 */
export class BackstageImportService {
  constructor(
    private readonly imports: ImportService,
    private readonly cis: CiService,
  ) {}

  async run(
    actor: Actor,
    files: readonly CatalogFile[],
    options: BackstageImportOptions,
  ): Promise<BackstageImportResult> {
    const started = performance.now();
    const plan = planCatalog(files);
    const problems = plan.problems;
    const internal = new Map(plan.cis.map((c) => [c.entity.key, c.ci]));
    const external = new Map<string, CiName | null>();

    const lines: string[] = [];
    const origins: Origin[] = [];
    for (const planned of plan.cis) {
      const record: Record<string, unknown> = { kind: 'ci', class: planned.ci.class, name: planned.ci.name };
      if (planned.owner !== undefined) record.owner = planned.owner;
      if (Object.keys(planned.attributes).length > 0) record.attributes = planned.attributes;
      lines.push(JSON.stringify(record));
      const { file, document, line, key } = planned.entity;
      origins.push({ file, document, line, entity: key });
    }

    const edges = new Set<string>();
    for (const relation of plan.relations) {
      const key = refKey(relation.other);
      const problem = (code: string, message: string) =>
        problems.push({ ...relation.at, entity: relation.entity.key, code, message: `${relation.field}: ${message}` });
      let other = internal.get(key) ?? external.get(key);
      if (other === undefined) {
        const candidates = candidateCis(relation.other);
        if (candidates.length === 0) {
          problem(
            'INVALID_REF',
            `${key} is a ${relation.other.kind}; only Component, API, Resource, System and Domain entities become CIs`,
          );
          continue;
        }
        other = null;
        for (const candidate of candidates) {
          if (await this.cis.findByRef(candidate.class, candidate.name)) {
            other = candidate;
            break;
          }
        }
        external.set(key, other);
      }
      if (other === null) {
        const looked = candidateCis(relation.other).map(ciRef).join(', ');
        problem('UNKNOWN_ENTITY', `${key} is neither in this import nor in the CMDB (looked for ${looked})`);
        continue;
      }
      const [source, target] = relation.direction === 'out' ? [relation.self, other] : [other, relation.self];
      if (source.class === target.class && source.name === target.name) {
        problem('SELF_RELATIONSHIP', `${key} refers to the entity itself`);
        continue;
      }
      const edge = `${ciRef(source)}\u0000${relation.type}\u0000${ciRef(target)}`;
      if (edges.has(edge)) continue;
      edges.add(edge);
      lines.push(
        JSON.stringify({ kind: 'relationship', source: ciRef(source), type: relation.type, target: ciRef(target) }),
      );
      origins.push({ ...relation.at, entity: relation.entity.key, field: relation.field });
    }

    const located = (error: { line: number; code: string; message: string }): CatalogProblem => {
      const origin = origins[error.line - 1];
      if (!origin) return { file: null, document: 0, line: 0, entity: null, code: error.code, message: error.message };
      const { field, ...at } = origin;
      return { ...at, code: error.code, message: field ? `${field}: ${error.message}` : error.message };
    };

    if (options.atomic && problems.length > 0) {
      problems.sort(byLocation);
      throw new DomainRuleError(`Atomic import rejected: ${problems.length} catalog error(s); nothing was imported`, {
        errors: problems.slice(0, MAX_REPORTED_ERRORS),
        errorCount: problems.length,
      });
    }

    let result: ImportResult;
    try {
      result = await this.imports.run(actor, chunked(lines), {
        source: options.source,
        atomic: options.atomic,
        prune: options.prune,
      });
    } catch (error) {
      // An atomic import that failed reports NDJSON line numbers: translate them to the catalog.
      if (error instanceof AppError && error.code === 'DOMAIN_RULE' && Array.isArray(error.details?.errors)) {
        const errors = (error.details.errors as { line: number; code: string; message: string }[])
          .map(located)
          .sort(byLocation);
        throw new DomainRuleError(`Atomic import rejected: ${errors.length} error(s); nothing was imported`, {
          errors,
          errorCount: error.details.errorCount ?? errors.length,
        });
      }
      throw error;
    }

    const errors = [...problems, ...result.errors.map(located)].sort(byLocation);
    const read = Object.values(plan.byKind).reduce((sum, n) => sum + n, 0);
    return {
      entities: { read, mapped: plan.cis.length, byKind: plan.byKind, skipped: plan.skipped },
      cis: result.cis,
      relationships: result.relationships,
      errors: errors.slice(0, MAX_REPORTED_ERRORS),
      errorCount: problems.length + result.errorCount,
      durationMs: Math.round(performance.now() - started),
    };
  }
}

/** The NDJSON lines as the byte stream the import reads, a few hundred lines at a time. */
async function* chunked(lines: readonly string[]): AsyncGenerator<string> {
  for (let i = 0; i < lines.length; i += LINES_PER_CHUNK) {
    yield `${lines.slice(i, i + LINES_PER_CHUNK).join('\n')}\n`;
  }
}
