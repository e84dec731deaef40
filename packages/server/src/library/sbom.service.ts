import { LIBRARY_RULES, type LicenceVerdict } from '@slipway/model';
import type { Kysely } from 'kysely';
import { readJson, writeJson } from '../cmdb/json-column.js';
import { type Actor, sodWaived } from '../platform/actor.js';
import type { AuditTrail } from '../platform/audit/audit.service.js';
import { type Clock, isoNow } from '../platform/clock.js';
import type { Db } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import { AppError, DomainRuleError, InputError, NotFoundError, SodViolation } from '../platform/errors.js';
import type { PolicyService } from '../policy/policy.service.js';
import {
  type DiffComponent,
  diffSboms,
  parseCycloneDx,
  type SbomDiff,
  SbomInvalidError,
  type SbomLicence,
} from './cyclonedx.js';
import { type ArtifactRow, libraryRepository, type SbomComponentRow, type SbomRow } from './library.repository.js';
import { type LicenceEvaluation, LicencePolicyEvaluator } from './licence-policy.js';
import { auditRefusals } from './refusal-audit.js';

export interface Sbom {
  id: number;
  artifactId: number;
  specVersion: string;
  serialNumber: string | null;
  componentCount: number;
  sha256: string;
  createdBy: string;
  createdAt: string;
  /** Components by the current policy's verdict; `reviewed` counts needs-review components a person cleared. */
  licences: { allowed: number; denied: number; needsReview: number; reviewed: number };
}

export interface SbomComponent {
  id: number;
  ref: string;
  type: string;
  group: string | null;
  name: string;
  version: string | null;
  purl: string | null;
  licenses: SbomLicence[];
  licenseExpression: string | null;
  licence: { verdict: LicenceVerdict; rule: string; reason: string };
  review: { by: string; at: string; note: string | null } | null;
}

/** A reason an artifact's SBOM keeps it from approval or release. */
export interface SbomProblem {
  rule: string;
  message: string;
  componentId: number;
}

/** Judges one component: its licence statements combined (all must hold), names are not SPDX. */
export function evaluateComponent(evaluator: LicencePolicyEvaluator, licenses: SbomLicence[]): LicenceEvaluation {
  const named = licenses.filter((l): l is { name: string } => 'name' in l);
  const spdx = licenses.flatMap((l) => ('id' in l ? [l.id] : 'expression' in l ? [`(${l.expression})`] : []));
  const expression = spdx.length > 0 ? spdx.join(' AND ') : null;
  const judged = evaluator.evaluate(expression);
  if (named.length === 0 || judged.verdict === 'denied') return judged;
  // A free-text licence name is not something the policy can judge: a person must.
  const unknown = named.map((n) => n.name);
  const rest = expression === null ? null : judged;
  const denied = evaluator.evaluate('NOASSERTION').verdict === 'denied';
  return {
    expression,
    verdict: denied ? 'denied' : 'needs_review',
    rule: LIBRARY_RULES.licenceUnknown,
    denied: denied ? unknown : [],
    unknown: [...unknown, ...(rest?.unknown ?? [])],
    reason: `licence name${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not SPDX identifiers: needs a licence review (licences.unknown)`,
  };
}

function toComponent(row: SbomComponentRow, evaluator: LicencePolicyEvaluator): SbomComponent {
  const licenses = readJson<SbomLicence[]>(row.licenses);
  const licence = evaluateComponent(evaluator, licenses);
  return {
    id: row.id,
    ref: row.ref,
    type: row.type,
    group: row.group_name,
    name: row.name,
    version: row.component_version,
    purl: row.purl,
    licenses,
    licenseExpression: row.license_expression,
    licence: { verdict: licence.verdict, rule: licence.rule, reason: licence.reason },
    review:
      row.reviewed_by !== null && row.reviewed_at !== null
        ? { by: row.reviewed_by, at: row.reviewed_at, note: row.review_note }
        : null,
  };
}

const MAX_COMPONENTS = 100_000;

/** CycloneDX SBOMs attached to artifacts: validation, licences per component, reviews, diffs. */
export class SbomService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditTrail,
    private readonly clock: Clock,
    private readonly policy: PolicyService,
  ) {}

  async evaluator(): Promise<LicencePolicyEvaluator> {
    return new LicencePolicyEvaluator((await this.policy.current()).policy.licences);
  }

  async #requireArtifact(db: Db, artifactId: number): Promise<ArtifactRow> {
    const artifact = await libraryRepository.findArtifact(db, artifactId);
    if (!artifact) throw new NotFoundError('artifact', artifactId);
    return artifact;
  }

  async #requireSbom(db: Db, artifactId: number): Promise<SbomRow> {
    await this.#requireArtifact(db, artifactId);
    const sbom = await libraryRepository.findSbomByArtifact(db, artifactId);
    if (!sbom) throw new AppError('NOT_FOUND', `Artifact ${artifactId} has no SBOM`, { artifactId });
    return sbom;
  }

  async #toSbom(row: SbomRow, evaluator: LicencePolicyEvaluator, db: Db = this.db): Promise<Sbom> {
    const licences = { allowed: 0, denied: 0, needsReview: 0, reviewed: 0 };
    for (const component of await libraryRepository.listComponents(db, row.id)) {
      const judged = toComponent(component, evaluator);
      if (judged.licence.verdict === 'allowed') licences.allowed++;
      else if (judged.licence.verdict === 'denied') licences.denied++;
      else if (judged.review) licences.reviewed++;
      else licences.needsReview++;
    }
    return {
      id: row.id,
      artifactId: row.artifact_id,
      specVersion: row.spec_version,
      serialNumber: row.serial_number,
      componentCount: row.component_count,
      sha256: row.sha256,
      createdBy: row.created_by,
      createdAt: row.created_at,
      licences,
    };
  }

  /**
   * Attaches (or, while the artifact is quarantined, replaces) an artifact's SBOM. The SBOM is a
   * claim: when it states the artifact's own SHA-256, that must be the bytes the library holds.
   */
  async attach(actor: Actor, artifactId: number, document: unknown): Promise<Sbom> {
    return auditRefusals(
      this.db,
      this.audit,
      actor,
      { action: 'artifact.sbom.attach', objectType: 'artifact', objectId: artifactId },
      async () => {
        const text = JSON.stringify(document);
        let parsed: ReturnType<typeof parseCycloneDx>;
        try {
          parsed = parseCycloneDx(document, text);
        } catch (error) {
          if (error instanceof SbomInvalidError) {
            throw new AppError('VALIDATION_FAILED', error.message, {
              path: error.path || '/',
              problem: error.problem,
              errors: [{ path: `body${error.path}`, message: error.problem }],
            });
          }
          throw error;
        }
        if (parsed.components.length > MAX_COMPONENTS) {
          throw new InputError(
            `The SBOM lists ${parsed.components.length} components; at most ${MAX_COMPONENTS} are accepted`,
          );
        }
        const evaluator = await this.evaluator();
        return this.db.transaction().execute(async (tx) => {
          const artifact = await this.#requireArtifact(tx, artifactId);
          if (artifact.state !== 'quarantined') {
            throw new DomainRuleError(
              `Artifact ${artifactId} is ${artifact.state}: the SBOM of an approved artifact is immutable (${LIBRARY_RULES.approved})`,
              { rule: LIBRARY_RULES.approved, state: artifact.state },
            );
          }
          const claimed = claimedSha256(document);
          if (claimed !== undefined && claimed !== artifact.sha256) {
            throw new DomainRuleError(
              `The SBOM says the artifact's SHA-256 is ${claimed}, but the library holds ${artifact.sha256}: it describes other bytes (${LIBRARY_RULES.integrity})`,
              { rule: LIBRARY_RULES.integrity, path: '/metadata/component/hashes' },
            );
          }
          const previous = await libraryRepository.findSbomByArtifact(tx, artifactId);
          if (previous) await libraryRepository.deleteSbom(tx, previous.id);
          const now = isoNow(this.clock);
          const row = await libraryRepository.insertSbom(tx, {
            artifact_id: artifactId,
            spec_version: parsed.specVersion,
            serial_number: parsed.serialNumber,
            component_count: parsed.components.length,
            sha256: parsed.sha256,
            document: text,
            created_by: actor.username,
            created_at: now,
          });
          await libraryRepository.insertComponents(
            tx,
            parsed.components.map((c) => ({
              sbom_id: row.id,
              ref: c.ref,
              type: c.type,
              group_name: c.group,
              name: c.name,
              component_version: c.version,
              purl: c.purl,
              licenses: writeJson(c.licenses),
              license_expression: c.licenseExpression,
              reviewed_by: null,
              reviewed_at: null,
              review_note: null,
            })),
          );
          const sbom = await this.#toSbom(row, evaluator, tx);
          await this.audit.record(tx, actor, {
            action: previous ? 'artifact.sbom.replace' : 'artifact.sbom.attach',
            objectType: 'artifact',
            objectId: artifactId,
            after: sbom,
          });
          return sbom;
        });
      },
    );
  }

  async get(artifactId: number): Promise<Sbom> {
    return this.#toSbom(await this.#requireSbom(this.db, artifactId), await this.evaluator());
  }

  async document(artifactId: number): Promise<Record<string, unknown>> {
    return JSON.parse((await this.#requireSbom(this.db, artifactId)).document) as Record<string, unknown>;
  }

  async components(
    artifactId: number,
    filter: { verdict?: LicenceVerdict | undefined; afterId?: number | undefined; limit: number },
  ): Promise<SbomComponent[]> {
    const sbom = await this.#requireSbom(this.db, artifactId);
    const evaluator = await this.evaluator();
    if (!filter.verdict) {
      return (await libraryRepository.listComponents(this.db, sbom.id, filter.afterId, filter.limit)).map((row) =>
        toComponent(row, evaluator),
      );
    }
    // Verdicts depend on the current policy, so they are filtered here, not in SQL.
    return (await libraryRepository.listComponents(this.db, sbom.id, filter.afterId))
      .map((row) => toComponent(row, evaluator))
      .filter((c) => c.licence.verdict === filter.verdict)
      .slice(0, filter.limit);
  }

  /**
   * A licence review: a person with library.approve clears a component whose licence the policy
   * does not list. A denied licence cannot be cleared (the policy's deny list is not overridden
   * per component), and the uploader cannot clear their own SBOM.
   */
  async reviewComponent(
    actor: Actor,
    artifactId: number,
    componentId: number,
    note: string | null,
  ): Promise<SbomComponent> {
    return auditRefusals(
      this.db,
      this.audit,
      actor,
      { action: 'artifact.sbom.review', objectType: 'artifact', objectId: artifactId },
      async () => {
        const evaluator = await this.evaluator();
        return this.db.transaction().execute(async (tx) => {
          const artifact = await this.#requireArtifact(tx, artifactId);
          const sbom = await this.#requireSbom(tx, artifactId);
          const row = await libraryRepository.findComponent(tx, sbom.id, componentId);
          if (!row) throw new NotFoundError('SBOM component', componentId);
          if (isUploader(actor, artifact) && !sodWaived(actor)) {
            throw new SodViolation(
              `${actor.username} uploaded artifact ${artifactId}; someone else must review its licences (${LIBRARY_RULES.segregationOfDuties})`,
              { rule: LIBRARY_RULES.segregationOfDuties },
            );
          }
          const current = toComponent(row, evaluator);
          if (current.licence.verdict === 'denied') {
            throw new DomainRuleError(
              `Component ${current.name}${current.version ? ` ${current.version}` : ''} has a denied licence: ${current.licence.reason}; a review cannot approve it (${current.licence.rule})`,
              { rule: current.licence.rule, componentId },
            );
          }
          if (current.licence.verdict === 'allowed') return current;
          const now = isoNow(this.clock);
          await libraryRepository.reviewComponent(tx, componentId, {
            reviewed_by: actor.username,
            reviewed_at: now,
            review_note: note,
          });
          const reviewed = { ...current, review: { by: actor.username, at: now, note } };
          await this.audit.record(tx, actor, {
            action: 'artifact.sbom.review',
            objectType: 'artifact',
            objectId: artifactId,
            before: current,
            after: reviewed,
          });
          return reviewed;
        });
      },
    );
  }

  /** What in the SBOM keeps the artifact from approval or release: denied or unreviewed licences. */
  async problems(artifactId: number, evaluator: LicencePolicyEvaluator, db: Db = this.db): Promise<SbomProblem[]> {
    const sbom = await libraryRepository.findSbomByArtifact(db, artifactId);
    if (!sbom) return [];
    const problems: SbomProblem[] = [];
    for (const row of await libraryRepository.listComponents(db, sbom.id)) {
      const component = toComponent(row, evaluator);
      const label = `${component.name}${component.version ? ` ${component.version}` : ''}`;
      if (component.licence.verdict === 'denied') {
        problems.push({
          rule: component.licence.rule,
          componentId: component.id,
          message: `SBOM component ${label}: ${component.licence.reason}`,
        });
      } else if (component.licence.verdict === 'needs_review' && !component.review) {
        problems.push({
          rule: component.licence.rule,
          componentId: component.id,
          message: `SBOM component ${label}: ${component.licence.reason}`,
        });
      }
    }
    return problems;
  }

  async diff(fromArtifactId: number, toArtifactId: number): Promise<SbomDiff & { from: number; to: number }> {
    const load = async (artifactId: number): Promise<DiffComponent[]> => {
      const sbom = await this.#requireSbom(this.db, artifactId);
      return (await libraryRepository.listComponents(this.db, sbom.id)).map((row) => ({
        group: row.group_name,
        name: row.name,
        version: row.component_version,
        purl: row.purl,
      }));
    };
    return {
      from: fromArtifactId,
      to: toArtifactId,
      ...diffSboms(await load(fromArtifactId), await load(toArtifactId)),
    };
  }
}

/** The artifact's own SHA-256 as the SBOM's metadata.component states it, if it does. */
function claimedSha256(document: unknown): string | undefined {
  const hashes = (document as { metadata?: { component?: { hashes?: { alg?: string; content?: string }[] } } }).metadata
    ?.component?.hashes;
  const sha = hashes?.find((h) => h.alg?.toUpperCase() === 'SHA-256');
  return sha?.content?.toLowerCase();
}

/** Segregation of duties compares people: user ids, or names for system actors. */
export function isUploader(actor: Actor, artifact: Pick<ArtifactRow, 'uploaded_by_id' | 'uploaded_by'>): boolean {
  if (actor.userId !== null || artifact.uploaded_by_id !== null) return actor.userId === artifact.uploaded_by_id;
  return actor.username === artifact.uploaded_by;
}
