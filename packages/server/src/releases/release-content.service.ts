import crypto from 'node:crypto';
import {
  CONTENT_EDITABLE_RELEASE_STATES,
  parseCiReference,
  type ReleaseElement,
  SCOPE_EDITABLE_RELEASE_STATES,
  type TargetQuery,
} from '@slipway/model';
import { validateAttributes } from '../cmdb/attribute-validation.js';
import type { CmdbServices } from '../cmdb/cmdb.module.js';
import { readJson, writeJson } from '../cmdb/json-column.js';
import type { HardwareService, Reservation, ReservationLine } from '../hardware/hardware.service.js';
import type { GateProblem } from '../library/artifact.service.js';
import type { LibraryServices } from '../library/library.module.js';
import type { Actor } from '../platform/actor.js';
import { InputError, NotFoundError, StaleVersionError } from '../platform/errors.js';
import { decodeIdCursor, encodeCursor } from '../platform/http/pagination.js';
import type { PolicyService } from '../policy/policy.service.js';
import type { CiRef } from './coexistence.js';
import { releaseRepository, type TargetQueryRow } from './release.repository.js';
import type { ReleaseAnalysisService } from './release-analysis.service.js';
import { releaseCmdbRepository } from './release-cmdb.repository.js';
import { PolicyViolationError } from './release-gates.js';
import { assertState, type ReleaseWriter } from './release-writer.js';
import { normaliseTargetQuery } from './target-query.js';
import { type TargetResolver, type TargetSource, toCandidate } from './target-resolver.js';

export interface ReleaseArtifactView {
  id: number;
  name: string;
  artifactVersion: string;
  sha256: string;
  size: number;
  license: string;
  state: string;
  element: string | null;
  signature: { keyId: string | null; status: 'verified' | 'failed' } | null;
  /** Why the library would not release it now (empty when it may be released). */
  problems: { rule: string; message: string }[];
}

export interface CiChangeView {
  id: number;
  ci: CiRef;
  attribute: string;
  /** The value the CMDB holds now. */
  current: unknown;
  value: unknown;
  note: string;
  createdBy: string;
  createdAt: string;
}

export interface ReleaseContents {
  releaseId: number;
  releaseRevision: number;
  contentsHash: string;
  artifacts: ReleaseArtifactView[];
  reservations: Reservation[];
  ciChanges: CiChangeView[];
}

export interface TargetQueryView {
  id: number;
  environment: string;
  name: string;
  query: TargetQuery;
  /** How many CIs it selects now. */
  count: number;
  createdBy: string;
  createdAt: string;
}

export interface TargetSummary {
  releaseId: number;
  releaseRevision: number;
  environments: { environment: string; count: number; explicit: number; queries: TargetQueryView[] }[];
}

export interface ResolvedTarget extends CiRef {
  status: string;
  environment: string | null;
  sources: TargetSource[];
}

export interface TargetPage {
  releaseId: number;
  environment: string;
  count: number;
  items: ResolvedTarget[];
  next: string | null;
}

/** SHA-256 over the artifacts (id and digest): a test result counts for the build it was run on. */
export function contentsHashOf(artifacts: readonly { id: number; sha256: string }[]): string {
  const canonical = JSON.stringify([...artifacts].sort((a, b) => a.id - b.id).map((a) => [a.id, a.sha256]));
  return crypto.createHash('sha256').update(canonical).digest('hex');
}

/**
 * What a release contains (approved library artifacts, hardware reservations, planned CI
 * attribute changes) and where it goes (target CIs per environment, explicit or by saved query).
 */
export class ReleaseContentService {
  constructor(
    private readonly writer: ReleaseWriter,
    private readonly policy: PolicyService,
    private readonly library: LibraryServices,
    private readonly hardware: HardwareService,
    private readonly cmdb: CmdbServices,
    private readonly resolver: TargetResolver,
    private readonly analysis: ReleaseAnalysisService,
  ) {}

  get #db() {
    return this.writer.db;
  }

  async contents(releaseId: number): Promise<ReleaseContents> {
    const row = await this.writer.require(this.#db, releaseId);
    const artifactIds = await releaseRepository.artifactIds(this.#db, releaseId);
    const artifacts = await this.analysis.artifactsByIds(artifactIds);
    const problems = artifactIds.length
      ? await this.library.artifacts.gateProblems(artifactIds, row.element as ReleaseElement)
      : [];
    const changes = await releaseRepository.ciChanges(this.#db, releaseId);
    const cis = new Map(
      (await releaseCmdbRepository.cisByIds(this.#db, [...new Set(changes.map((c) => c.ci_id))])).map((c) => [
        c.id,
        toCandidate(c),
      ]),
    );
    return {
      releaseId,
      releaseRevision: row.version,
      contentsHash: row.contents_hash,
      artifacts: artifactIds.flatMap((id) => {
        const a = artifacts.get(id);
        if (!a) return [];
        return [
          {
            id: a.id,
            name: a.name,
            artifactVersion: a.artifactVersion,
            sha256: a.sha256,
            size: a.size,
            license: a.license,
            state: a.state,
            element: a.element,
            signature: a.signature ? { keyId: a.signature.keyId, status: a.signature.status } : null,
            problems: problems.filter((p) => p.artifactId === id).map((p) => ({ rule: p.rule, message: p.message })),
          },
        ];
      }),
      reservations: await this.hardware.listReservations({ releaseId, limit: 1000 }),
      ciChanges: changes.map((c) => {
        const ci = cis.get(c.ci_id);
        return {
          id: c.id,
          ci: { id: c.ci_id, class: ci?.class ?? '', name: ci?.name ?? '' },
          attribute: c.attribute,
          current: ci?.attributes[c.attribute] ?? null,
          value: readJson<{ value: unknown }>(c.value).value,
          note: c.note,
          createdBy: c.created_by,
          createdAt: c.created_at,
        };
      }),
    };
  }

  /**
   * The contents hash after a change of the artifact set, from the library's digests. Computed
   * before the write and committed only if the release is still at the version it was read at.
   */
  async #hashWith(releaseId: number, change: { add?: number; remove?: number }): Promise<string> {
    let ids = await releaseRepository.artifactIds(this.#db, releaseId);
    if (change.add !== undefined) ids = [...new Set([...ids, change.add])];
    if (change.remove !== undefined) ids = ids.filter((id) => id !== change.remove);
    const artifacts = await this.analysis.artifactsByIds(ids);
    return contentsHashOf([...artifacts.values()].map((a) => ({ id: a.id, sha256: a.sha256 })));
  }

  /** Adds a library artifact: only one the library would release now (approved, intact, licensed, signed). */
  async addArtifact(
    actor: Actor,
    releaseId: number,
    artifactId: number,
    expectedVersion?: number,
  ): Promise<ReleaseContents> {
    const row = await this.writer.require(this.#db, releaseId);
    assertState(row, CONTENT_EDITABLE_RELEASE_STATES, 'artifacts are added');
    try {
      await this.library.artifacts.get(artifactId);
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw new InputError(`artifactId: no artifact with id ${artifactId} in the software library`, {
          field: 'artifactId',
        });
      }
      throw error;
    }
    const problems: GateProblem[] = await this.library.artifacts.gateProblems(
      [artifactId],
      row.element as ReleaseElement,
    );
    if (problems.length > 0) {
      throw new PolicyViolationError(
        `Artifact ${artifactId} cannot be part of release ${releaseId}`,
        problems.map((p) => ({ id: p.rule, message: p.message, details: { artifactId: p.artifactId } })),
        (await this.policy.current()).version,
      );
    }
    const hash = await this.#hashWith(releaseId, { add: artifactId });
    await this.writer.write(
      actor,
      releaseId,
      {
        expectedVersion,
        evaluatedVersion: row.version,
        states: CONTENT_EDITABLE_RELEASE_STATES,
        what: 'artifacts are added',
        scopeEdit: true,
      },
      async ({ tx, now }) => {
        await releaseRepository.addArtifact(tx, releaseId, artifactId, actor.username, now);
        await releaseRepository.write(tx, releaseId, { contents_hash: hash });
        return {
          result: undefined,
          audit: { action: 'release.artifact.add', after: { artifactId, contentsHash: hash } },
        };
      },
    );
    return this.contents(releaseId);
  }

  async removeArtifact(actor: Actor, releaseId: number, artifactId: number, expectedVersion?: number) {
    const row = await this.writer.require(this.#db, releaseId);
    const hash = await this.#hashWith(releaseId, { remove: artifactId });
    await this.writer.write(
      actor,
      releaseId,
      {
        expectedVersion,
        evaluatedVersion: row.version,
        states: CONTENT_EDITABLE_RELEASE_STATES,
        what: 'artifacts are removed',
        scopeEdit: true,
      },
      async ({ tx }) => {
        if (!(await releaseRepository.removeArtifact(tx, releaseId, artifactId))) {
          throw new NotFoundError(`artifact in release ${releaseId}`, artifactId);
        }
        await releaseRepository.write(tx, releaseId, { contents_hash: hash });
        return {
          result: undefined,
          audit: { action: 'release.artifact.remove', before: { artifactId }, after: { contentsHash: hash } },
        };
      },
    );
    return this.contents(releaseId);
  }

  /** Reserves hardware-store stock for the release (through the hardware service: all lines or nothing). */
  async reserve(
    actor: Actor,
    releaseId: number,
    input: { lines: ReservationLine[]; note?: string | null | undefined },
    expectedVersion?: number,
  ): Promise<ReleaseContents> {
    // Checked before the hardware store takes stock; the write below checks the state again.
    const row = await this.writer.require(this.#db, releaseId);
    if (expectedVersion !== undefined && expectedVersion !== row.version) {
      throw new StaleVersionError('release', releaseId, expectedVersion, row.version);
    }
    assertState(row, CONTENT_EDITABLE_RELEASE_STATES, 'hardware is reserved');
    const reservation = await this.hardware.reserve(actor, { releaseId, lines: input.lines, note: input.note });
    await this.writer.write(
      actor,
      releaseId,
      { states: CONTENT_EDITABLE_RELEASE_STATES, what: 'hardware is reserved', scopeEdit: true },
      async () => ({
        result: undefined,
        audit: {
          action: 'release.reservation.add',
          after: { reservationId: reservation.id, lines: reservation.lines },
        },
      }),
    );
    return this.contents(releaseId);
  }

  async releaseReservation(actor: Actor, releaseId: number, reservationId: number): Promise<ReleaseContents> {
    const row = await this.writer.require(this.#db, releaseId);
    const reservation = await this.hardware.getReservation(reservationId);
    if (reservation.releaseId !== releaseId)
      throw new NotFoundError(`reservation of release ${releaseId}`, reservationId);
    assertState(row, CONTENT_EDITABLE_RELEASE_STATES, 'hardware reservations are released');
    await this.hardware.release(actor, reservationId);
    await this.writer.write(
      actor,
      releaseId,
      { states: CONTENT_EDITABLE_RELEASE_STATES, what: 'hardware reservations are released', scopeEdit: true },
      async () => ({ result: undefined, audit: { action: 'release.reservation.remove', before: { reservationId } } }),
    );
    return this.contents(releaseId);
  }

  /** Plans a CI attribute change: the CI and attribute must exist and the value fit the attribute's type. */
  async addCiChange(
    actor: Actor,
    releaseId: number,
    input: { ciId: number; attribute: string; value: unknown; note?: string | undefined },
    expectedVersion?: number,
  ): Promise<ReleaseContents> {
    const [ci] = await releaseCmdbRepository.cisByIds(this.#db, [input.ciId]);
    if (!ci) throw new InputError(`ciId: no CI with id ${input.ciId}`, { field: 'ciId' });
    const ciClass = await this.cmdb.classes.get(ci.class);
    const problems = validateAttributes(
      ci.class,
      ciClass.attributes.map((a) => ({ ...a, required: false })),
      { [input.attribute]: input.value },
    );
    if (problems.length > 0) {
      throw new InputError(`attribute ${input.attribute} ${problems[0]?.message}`, { field: 'attribute', problems });
    }
    await this.writer.write(
      actor,
      releaseId,
      { expectedVersion, states: CONTENT_EDITABLE_RELEASE_STATES, what: 'CI changes are planned', scopeEdit: true },
      async ({ tx, now }) => {
        if (await releaseRepository.findCiChange(tx, releaseId, input.ciId, input.attribute)) {
          throw new InputError(
            `Release ${releaseId} already plans a change of ${ci.class}/${ci.name} ${input.attribute}: remove it first`,
            { field: 'attribute' },
          );
        }
        const created = await releaseRepository.insertCiChange(tx, {
          release_id: releaseId,
          ci_id: input.ciId,
          attribute: input.attribute,
          value: writeJson({ value: input.value }),
          note: input.note ?? '',
          created_by: actor.username,
          created_at: now,
        });
        return {
          result: undefined,
          audit: {
            action: 'release.ci_change.add',
            after: { id: created.id, ci: `${ci.class}/${ci.name}`, attribute: input.attribute, value: input.value },
          },
        };
      },
    );
    return this.contents(releaseId);
  }

  async removeCiChange(actor: Actor, releaseId: number, changeId: number, expectedVersion?: number) {
    await this.writer.write(
      actor,
      releaseId,
      { expectedVersion, states: CONTENT_EDITABLE_RELEASE_STATES, what: 'CI changes are removed', scopeEdit: true },
      async ({ tx }) => {
        const removed = await releaseRepository.deleteCiChange(tx, releaseId, changeId);
        if (!removed) throw new NotFoundError(`CI change of release ${releaseId}`, changeId);
        return {
          result: undefined,
          audit: {
            action: 'release.ci_change.remove',
            before: { id: changeId, ciId: removed.ci_id, attribute: removed.attribute },
          },
        };
      },
    );
    return this.contents(releaseId);
  }

  async #checkEnvironment(environment: string): Promise<void> {
    const environments = (await this.policy.current()).policy.environments;
    if (!environments.includes(environment)) {
      throw new InputError(`environment "${environment}" is not one of the policy's (${environments.join(', ')})`, {
        field: 'environment',
      });
    }
  }

  /** CI ids from ids and `class/name` references; every unknown one is named in the 400. */
  async #resolveCis(cis: readonly (number | string)[]): Promise<number[]> {
    const ids: number[] = [];
    const unknown: string[] = [];
    const refs = new Map<string, { class: string; name: string }>();
    for (const item of cis) {
      if (typeof item === 'number') continue;
      const ref = parseCiReference(item);
      if (ref) refs.set(item, ref);
    }
    // One batch for every `class/name` reference, not one query each.
    const byRef = await releaseCmdbRepository.idsByRefs(this.#db, [...refs.values()]);
    for (const item of cis) {
      if (typeof item === 'number') {
        ids.push(item);
        continue;
      }
      const ref = refs.get(item);
      const id = ref ? byRef.get(`${ref.class}/${ref.name}`) : undefined;
      if (id === undefined) unknown.push(item);
      else ids.push(id);
    }
    const found = new Set((await releaseCmdbRepository.cisByIds(this.#db, [...new Set(ids)])).map((c) => c.id));
    unknown.push(...ids.filter((id) => !found.has(id)).map(String));
    if (unknown.length > 0) {
      throw new InputError(`cis: no CI ${unknown.slice(0, 20).join(', ')}`, {
        field: 'cis',
        unknown: unknown.slice(0, 100),
      });
    }
    return [...new Set(ids)];
  }

  async addTargets(
    actor: Actor,
    releaseId: number,
    input: { environment: string; cis: (number | string)[] },
    expectedVersion?: number,
  ): Promise<TargetSummary> {
    await this.#checkEnvironment(input.environment);
    const ids = await this.#resolveCis(input.cis);
    await this.writer.write(
      actor,
      releaseId,
      { expectedVersion, states: SCOPE_EDITABLE_RELEASE_STATES, what: 'targets are changed', scopeEdit: true },
      async ({ tx, now }) => {
        const added = await releaseRepository.addTargets(tx, releaseId, input.environment, ids, actor.username, now);
        return {
          result: undefined,
          audit: { action: 'release.targets.add', after: { environment: input.environment, ciIds: ids, added } },
        };
      },
    );
    return this.targetSummary(releaseId);
  }

  async removeTarget(actor: Actor, releaseId: number, environment: string, ciId: number, expectedVersion?: number) {
    await this.writer.write(
      actor,
      releaseId,
      { expectedVersion, states: SCOPE_EDITABLE_RELEASE_STATES, what: 'targets are changed', scopeEdit: true },
      async ({ tx }) => {
        if (!(await releaseRepository.removeTarget(tx, releaseId, environment, ciId))) {
          throw new NotFoundError(`explicit target in ${environment} of release ${releaseId}`, ciId);
        }
        return { result: undefined, audit: { action: 'release.targets.remove', before: { environment, ciId } } };
      },
    );
    return this.targetSummary(releaseId);
  }

  /** Saves a target query after resolving it once (so a query that selects too much is refused now). */
  async addTargetQuery(
    actor: Actor,
    releaseId: number,
    input: { environment: string; name?: string | undefined; query: TargetQuery },
    expectedVersion?: number,
  ): Promise<TargetSummary> {
    await this.#checkEnvironment(input.environment);
    const normalised = normaliseTargetQuery(input.query);
    const count = (await this.resolver.resolve(normalised)).length;
    await this.writer.write(
      actor,
      releaseId,
      { expectedVersion, states: SCOPE_EDITABLE_RELEASE_STATES, what: 'targets are changed', scopeEdit: true },
      async ({ tx, now }) => {
        const saved = await releaseRepository.insertTargetQuery(tx, {
          release_id: releaseId,
          environment: input.environment,
          name: input.name?.trim() || `query ${now}`,
          query: writeJson(input.query),
          created_by: actor.username,
          created_at: now,
        });
        return {
          result: undefined,
          audit: {
            action: 'release.target_query.add',
            after: { id: saved.id, environment: input.environment, query: input.query, selected: count },
          },
        };
      },
    );
    return this.targetSummary(releaseId);
  }

  async removeTargetQuery(actor: Actor, releaseId: number, queryId: number, expectedVersion?: number) {
    await this.writer.write(
      actor,
      releaseId,
      { expectedVersion, states: SCOPE_EDITABLE_RELEASE_STATES, what: 'targets are changed', scopeEdit: true },
      async ({ tx }) => {
        const removed = await releaseRepository.deleteTargetQuery(tx, releaseId, queryId);
        if (!removed) throw new NotFoundError(`target query of release ${releaseId}`, queryId);
        return {
          result: undefined,
          audit: { action: 'release.target_query.remove', before: { id: queryId, query: readJson(removed.query) } },
        };
      },
    );
    return this.targetSummary(releaseId);
  }

  /** A query's answer before it is saved: how many CIs and the first ones. */
  async preview(query: TargetQuery, limit: number): Promise<{ count: number; items: ResolvedTarget[] }> {
    const ids = await this.resolver.resolve(normaliseTargetQuery(query));
    const rows = await releaseCmdbRepository.cisByIds(this.#db, ids.slice(0, limit));
    return {
      count: ids.length,
      items: rows
        .sort((a, b) => a.id - b.id)
        .map((r) => ({
          id: r.id,
          class: r.class,
          name: r.name,
          status: r.status,
          environment: r.environment,
          sources: [],
        })),
    };
  }

  #queryView(row: TargetQueryRow, count: number): TargetQueryView {
    return {
      id: row.id,
      environment: row.environment,
      name: row.name,
      query: readJson<TargetQuery>(row.query),
      count,
      createdBy: row.created_by,
      createdAt: row.created_at,
    };
  }

  /** Per environment of the policy (and any other the release names): resolved counts, explicit targets, queries. */
  async targetSummary(releaseId: number): Promise<TargetSummary> {
    const row = await this.writer.require(this.#db, releaseId);
    const environments = [...(await this.policy.current()).policy.environments];
    const resolved = await this.resolver.forRelease(releaseId);
    const queries = await releaseRepository.targetQueries(this.#db, [releaseId]);
    for (const env of resolved.keys()) if (!environments.includes(env)) environments.push(env);
    return {
      releaseId,
      releaseRevision: row.version,
      environments: environments.map((environment) => {
        const cis = resolved.get(environment) ?? new Map<number, TargetSource[]>();
        let explicit = 0;
        const perQuery = new Map<number, number>();
        for (const sources of cis.values()) {
          for (const s of sources) {
            if (s === 'explicit') explicit++;
            else perQuery.set(Number(s.slice(6)), (perQuery.get(Number(s.slice(6))) ?? 0) + 1);
          }
        }
        return {
          environment,
          count: cis.size,
          explicit,
          queries: queries
            .filter((q) => q.environment === environment)
            .map((q) => this.#queryView(q, perQuery.get(q.id) ?? 0)),
        };
      }),
    };
  }

  /** One page of the resolved targets of an environment, in id order, with what selected each. */
  async targetPage(releaseId: number, environment: string, limit: number, cursor?: string): Promise<TargetPage> {
    await this.writer.require(this.#db, releaseId);
    const cis = (await this.resolver.forRelease(releaseId, environment)).get(environment) ?? new Map();
    const after = decodeIdCursor(cursor) ?? 0;
    const ids = [...cis.keys()].filter((id) => id > after).sort((a, b) => a - b);
    const page = ids.slice(0, limit);
    const rows = new Map((await releaseCmdbRepository.cisByIds(this.#db, page)).map((r) => [r.id, r]));
    const last = page.at(-1);
    return {
      releaseId,
      environment,
      count: cis.size,
      items: page.map((id) => {
        const r = rows.get(id);
        return {
          id,
          class: r?.class ?? '',
          name: r?.name ?? '',
          status: r?.status ?? 'unknown',
          environment: r?.environment ?? null,
          sources: cis.get(id) ?? [],
        };
      }),
      next: ids.length > limit && last !== undefined ? encodeCursor([last]) : null,
    };
  }
}
