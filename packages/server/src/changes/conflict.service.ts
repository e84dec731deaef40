import type { ConflictKind } from '@slipway/model';
import type { Kysely } from 'kysely';
import type { ImpactService } from '../cmdb/impact.service.js';
import type { Db } from '../platform/database.js';
import type { Database } from '../platform/database-schema.js';
import { NotFoundError } from '../platform/errors.js';
import { teamRepository } from '../platform/teams/team.repository.js';
import { onlyVisible } from '../platform/teams/team-filter.js';
import { canSee, type Visibility } from '../platform/teams/team-scope.js';
import type { AssessmentService } from './assessment.service.js';
import { type ChangeRow, type CiFacts, changeRepository, ciFactsRepository } from './change.repository.js';
import { IntervalBucket, PairSet } from './change-index.js';
import type { ChangeIndexService } from './change-index.service.js';
import type { FreezeService } from './freeze.service.js';
import type { FreezeHit, MaintenanceMiss, WindowCalendar } from './window-calendar.js';

export interface ConflictChangeRef {
  id: number;
  title: string;
  state: string;
  plannedStart: string | null;
  plannedEnd: string | null;
}

export interface ConflictCiRef {
  id: number;
  class: string;
  name: string;
}

/** One reason a change's schedule is in question. */
export interface Conflict {
  kind: ConflictKind;
  /** `blocking`: a hard freeze (scheduling is refused). Everything else is for the CAB to weigh. */
  severity: 'blocking' | 'warning';
  message: string;
  changes: ConflictChangeRef[];
  cis: ConflictCiRef[];
  freeze: { id: number; name: string; kind: string; start: string; end: string } | null;
  maintenanceWindows: { id: number; name: string }[];
  /** For a maintenance-window miss: the next occurrence long enough to hold the change. */
  nextFit: { start: string; end: string } | null;
  implementer: { id: number; username: string } | null;
  /** For impact overlaps: how many CIs both changes reach. */
  sharedImpact: number | null;
}

export interface ChangeConflicts {
  changeId: number;
  plannedStart: string | null;
  plannedEnd: string | null;
  conflicts: Conflict[];
  /** True when an impact-overlap check stopped at its budget. */
  truncated: boolean;
}

export interface ConflictReport {
  from: string;
  to: string;
  /** Changes with a window in the range. */
  changes: number;
  counts: Record<ConflictKind, number>;
  items: Conflict[];
  truncated: boolean;
  durationMs: number;
}

/** Candidate changes an interactive impact-overlap check looks at, at most. */
const IMPACT_CANDIDATES = 2_000;
/** (CI, change) pairs of impact closures a calendar report indexes, at most. */
const REPORT_CLOSURE_BUDGET = 2_000_000;

function emptyCounts(): Record<ConflictKind, number> {
  return { same_ci: 0, impact_overlap: 0, freeze: 0, outside_maintenance_window: 0, implementer_double_booked: 0 };
}

function conflict(partial: Partial<Conflict> & Pick<Conflict, 'kind' | 'message'>): Conflict {
  return {
    severity: 'warning',
    changes: [],
    cis: [],
    freeze: null,
    maintenanceWindows: [],
    nextFit: null,
    implementer: null,
    sharedImpact: null,
    ...partial,
  };
}

function refOf(row: ChangeRow): ConflictChangeRef {
  return {
    id: row.id,
    title: row.title,
    state: row.state,
    plannedStart: row.planned_start,
    plannedEnd: row.planned_end,
  };
}

function ciRef(facts: Map<number, CiFacts>, id: number): ConflictCiRef {
  const f = facts.get(id);
  return { id, class: f?.class ?? '', name: f?.name ?? '' };
}

function freezeConflict(hit: FreezeHit, facts: Map<number, CiFacts>, change: ConflictChangeRef): Conflict {
  const hard = hit.freeze.kind === 'hard';
  return conflict({
    kind: 'freeze',
    severity: hard ? 'blocking' : 'warning',
    message: `Change #${change.id} falls in ${hit.freeze.kind} freeze "${hit.freeze.name}" (${new Date(
      hit.occurrence.start,
    ).toISOString()} – ${new Date(hit.occurrence.end).toISOString()})${
      hard ? ': it cannot be scheduled there' : ': a change manager may override it with a reason'
    }`,
    changes: [change],
    cis: hit.ciIds.map((id) => ciRef(facts, id)),
    freeze: {
      id: hit.freeze.id,
      name: hit.freeze.name,
      kind: hit.freeze.kind,
      start: new Date(hit.occurrence.start).toISOString(),
      end: new Date(hit.occurrence.end).toISOString(),
    },
  });
}

function maintenanceConflict(miss: MaintenanceMiss, facts: Map<number, CiFacts>, change: ConflictChangeRef): Conflict {
  const ci = ciRef(facts, miss.ciId);
  return conflict({
    kind: 'outside_maintenance_window',
    message: `Change #${change.id} touches ${ci.class}/${ci.name} outside its maintenance window${
      miss.windows.length > 1 ? 's' : ''
    } (${miss.windows.map((w) => `"${w.name}"`).join(', ')})`,
    changes: [change],
    cis: [ci],
    maintenanceWindows: miss.windows,
    nextFit: miss.nextFit
      ? { start: new Date(miss.nextFit.start).toISOString(), end: new Date(miss.nextFit.end).toISOString() }
      : null,
  });
}

interface BuildContext {
  facts: Map<number, CiFacts>;
  names: Map<number, string>;
  ref: (id: number) => ConflictChangeRef;
}

interface PendingConflict {
  kind: ConflictKind;
  start: number;
  ids: number[];
  cis: number[];
  users?: number[];
  build: (context: BuildContext) => Conflict;
}

function pairConflict(kind: ConflictKind, a: number, b: number, values: number[], c: BuildContext): Conflict {
  const changes = [c.ref(a), c.ref(b)];
  const title = (ref: ConflictChangeRef) => (ref.title ? ` ("${ref.title}")` : '');
  if (kind === 'same_ci') {
    const cis = [...new Set(values)].map((id) => ciRef(c.facts, id));
    return conflict({
      kind,
      message: `Changes #${a}${title(changes[0] as ConflictChangeRef)} and #${b}${title(changes[1] as ConflictChangeRef)} both change ${cis
        .map((ci) => `${ci.class}/${ci.name}`)
        .join(', ')} in overlapping windows`,
      changes,
      cis,
    });
  }
  if (kind === 'implementer_double_booked') {
    const userId = values[0] as number;
    const username = c.names.get(userId) ?? '';
    return conflict({
      kind,
      message: `${username || `User ${userId}`} implements both #${a} and #${b} in overlapping windows`,
      changes,
      implementer: { id: userId, username },
    });
  }
  const example = values[0] === undefined ? [] : [ciRef(c.facts, values[0])];
  return conflict({
    kind,
    message: `Changes #${a} and #${b} impact ${values.length.toLocaleString('en-US')} of the same CIs${
      example[0] ? ` (e.g. ${example[0].class}/${example[0].name})` : ''
    } in overlapping windows`,
    changes,
    cis: example,
    sharedImpact: values.length,
  });
}

/**
 * Conflict detection for one change (interactive: the in-memory interval index, no SQL per
 * candidate) and for a whole range of the calendar (one sorted sweep per CI). Kinds: the same CI
 * in overlapping windows; impact closures that overlap in overlapping windows; a freeze covering
 * the CIs; a CI changed outside its maintenance windows; the implementer booked twice.
 */
export class ConflictService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly index: ChangeIndexService,
    private readonly impact: ImpactService,
    private readonly assessment: AssessmentService,
    private readonly freezes: FreezeService,
  ) {}

  async #usernames(db: Db, ids: readonly number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows = await db
      .selectFrom('users')
      .select(['id', 'username'])
      .where('id', 'in', [...ids])
      .execute();
    return new Map(rows.map((r) => [r.id, r.username]));
  }

  /** Every conflict of one change with the calendar as it is now (with `visibility`, only with changes the caller sees). */
  async forChange(
    changeId: number,
    options: { calendar?: WindowCalendar; visibility?: Visibility } = {},
  ): Promise<ChangeConflicts> {
    const row = await changeRepository.findById(this.db, changeId);
    if (!row) throw new NotFoundError('change', changeId);
    const ciIds = await changeRepository.ciIds(this.db, changeId);
    const result = await this.forSubject(row, ciIds, options);
    if (options.visibility) {
      result.conflicts = await onlyVisible(
        this.db,
        result.conflicts,
        (c) => c.changes.map((ref) => ({ object: 'change' as const, id: ref.id })),
        options.visibility,
      );
    }
    return result;
  }

  async forSubject(
    row: ChangeRow,
    ciIds: readonly number[],
    options: { calendar?: WindowCalendar; db?: Db } = {},
  ): Promise<ChangeConflicts> {
    const db = options.db ?? this.db;
    const result: ChangeConflicts = {
      changeId: row.id,
      plannedStart: row.planned_start,
      plannedEnd: row.planned_end,
      conflicts: [],
      truncated: false,
    };
    if (row.planned_start === null || row.planned_end === null) return result;
    await this.index.sync();
    const subject = {
      id: row.id,
      start: Date.parse(row.planned_start),
      end: Date.parse(row.planned_end),
      ciIds,
      implementerId: row.implementer_id,
    };
    const index = this.index.index;
    const sameCi = index.sameCiConflicts(subject);
    const implementerClashes = index.implementerConflicts(subject);
    const { overlaps: impactOverlaps, truncated } = this.#impactOverlaps(subject, new Set(sameCi.keys()));
    result.truncated = truncated;

    const otherIds = [...new Set([...sameCi.keys(), ...implementerClashes, ...impactOverlaps.keys()])];
    const others = new Map((await changeRepository.findByIds(db, otherIds)).map((r) => [r.id, r]));
    const calendar = options.calendar ?? (await this.freezes.calendar(db));
    const facts = new Map(
      (
        await ciFactsRepository.byIds(db, [
          ...new Set([...ciIds, ...[...impactOverlaps.values()].map((o) => o.example)]),
        ])
      ).map((f) => [f.id, f]),
    );
    const self = refOf(row);

    for (const [otherId, shared] of sameCi) {
      const other = others.get(otherId);
      if (!other) continue;
      result.conflicts.push(
        conflict({
          kind: 'same_ci',
          message: `Change #${row.id} and #${otherId} ("${other.title}", ${other.state}) both change ${shared
            .map((id) => {
              const ref = ciRef(facts, id);
              return `${ref.class}/${ref.name}`;
            })
            .join(', ')} in overlapping windows`,
          changes: [self, refOf(other)],
          cis: shared.map((id) => ciRef(facts, id)),
        }),
      );
    }
    for (const [otherId, overlap] of impactOverlaps) {
      const other = others.get(otherId);
      if (!other) continue;
      const example = ciRef(facts, overlap.example);
      result.conflicts.push(
        conflict({
          kind: 'impact_overlap',
          message: `Change #${row.id} and #${otherId} ("${other.title}") impact ${overlap.shared.toLocaleString('en-US')} of the same CIs (e.g. ${example.class}/${example.name}) in overlapping windows`,
          changes: [self, refOf(other)],
          cis: [example],
          sharedImpact: overlap.shared,
        }),
      );
    }
    if (implementerClashes.length > 0 && row.implementer_id !== null) {
      const names = await this.#usernames(db, [row.implementer_id]);
      const implementer = { id: row.implementer_id, username: names.get(row.implementer_id) ?? '' };
      for (const otherId of implementerClashes) {
        const other = others.get(otherId);
        if (!other) continue;
        result.conflicts.push(
          conflict({
            kind: 'implementer_double_booked',
            message: `${implementer.username} implements both #${row.id} and #${otherId} ("${other.title}") in overlapping windows`,
            changes: [self, refOf(other)],
            implementer,
          }),
        );
      }
    }
    const scopeInfos = ciIds.map((id) => {
      const f = facts.get(id);
      return { id, class: f?.class ?? '', environment: f?.environment ?? null };
    });
    for (const hit of calendar.freezeHits(scopeInfos, subject.start, subject.end)) {
      result.conflicts.push(freezeConflict(hit, facts, self));
    }
    for (const miss of calendar.maintenanceMisses(ciIds, subject.start, subject.end)) {
      result.conflicts.push(maintenanceConflict(miss, facts, self));
    }
    return result;
  }

  /**
   * Changes whose impact closure (CIs included) shares a CI with the subject's, in overlapping
   * windows. The subject's closure is marked once; each time-overlapping candidate's closure
   * comes from the impact index's traversal cache.
   */
  #impactOverlaps(
    subject: { id: number; start: number; end: number; ciIds: readonly number[] },
    skip: ReadonlySet<number>,
  ): { overlaps: Map<number, { shared: number; example: number }>; truncated: boolean } {
    const overlaps = new Map<number, { shared: number; example: number }>();
    const capacity = this.impact.index.capacity;
    const mark = new Uint8Array(capacity);
    const closure = this.assessment.closure(subject.ciIds).ids;
    for (const id of subject.ciIds) if (id < capacity) mark[id] = 1;
    for (let i = 0; i < closure.length; i++) mark[closure[i] as number] = 1;
    const candidates: number[] = [];
    this.index.index.overlappingInTime(subject.start, subject.end, (id) => {
      if (id !== subject.id && !skip.has(id)) candidates.push(id);
    });
    const truncated = candidates.length > IMPACT_CANDIDATES;
    for (const id of candidates.slice(0, IMPACT_CANDIDATES)) {
      const other = this.index.index.get(id);
      if (!other) continue;
      let shared = 0;
      let example = -1;
      const visit = (ci: number) => {
        if (ci >= 0 && ci < capacity && mark[ci] === 1) {
          shared++;
          if (example < 0 || this.impact.index.classOf(ci) === 'service') example = ci;
        }
      };
      for (const ci of other.ciIds) visit(ci);
      const theirs = this.assessment.closure(other.ciIds).ids;
      for (let i = 0; i < theirs.length; i++) visit(theirs[i] as number);
      if (shared > 0) overlaps.set(id, { shared, example });
    }
    return { overlaps, truncated };
  }

  /**
   * Every conflict on the calendar in [from, to): same-CI and implementer pairs from the per-CI
   * sweep, freezes and maintenance windows per change, and (with `impact`) overlapping impact
   * closures via a sweep over per-CI buckets of closures, within a budget. Counts cover every
   * conflict; `items` lists the first `limit` by start.
   */
  async report(
    from: string,
    to: string,
    options: { impact?: boolean; limit?: number; visibility?: Visibility } = {},
  ): Promise<ConflictReport> {
    const started = performance.now();
    await this.index.sync();
    const fromMs = Date.parse(from);
    const toMs = Date.parse(to);
    const index = this.index.index;
    const limit = options.limit ?? 1000;
    let counts = emptyCounts();
    let pending: PendingConflict[] = [];
    const startOf = (id: number) => index.get(id)?.start ?? 0;

    const inRange: number[] = [];
    index.overlappingInTime(fromMs, toMs, (id) => inRange.push(id));
    const sameCi = index.scanSameCi(fromMs, toMs);
    const implementers = index.scanImplementers(fromMs, toMs);
    let truncated = false;
    let impactPairs = new PairSet<number>();
    if (options.impact !== false) {
      const result = this.#impactPairs(inRange, fromMs, toMs, sameCi);
      impactPairs = result.pairs;
      truncated = result.truncated;
    }
    for (const [a, b, cis] of sameCi.entries()) {
      counts.same_ci++;
      pending.push({
        kind: 'same_ci',
        start: Math.min(startOf(a), startOf(b)),
        ids: [a, b],
        cis,
        build: (c) => pairConflict('same_ci', a, b, cis, c),
      });
    }
    for (const [a, b, shared] of impactPairs.entries()) {
      counts.impact_overlap++;
      pending.push({
        kind: 'impact_overlap',
        start: Math.min(startOf(a), startOf(b)),
        ids: [a, b],
        cis: shared.slice(0, 1),
        build: (c) => pairConflict('impact_overlap', a, b, shared, c),
      });
    }
    for (const [a, b, users] of implementers.entries()) {
      counts.implementer_double_booked++;
      pending.push({
        kind: 'implementer_double_booked',
        start: Math.min(startOf(a), startOf(b)),
        ids: [a, b],
        cis: [],
        users,
        build: (c) => pairConflict('implementer_double_booked', a, b, users, c),
      });
    }

    // Freezes and maintenance windows per change need the CIs' class and environment.
    const calendar = await this.freezes.calendar();
    const facts = new Map<number, CiFacts>();
    if (calendar.freezes.length > 0 || calendar.maintenance.length > 0) {
      const allCis = new Set<number>();
      for (const id of inRange) for (const ci of index.get(id)?.ciIds ?? []) allCis.add(ci);
      for (const f of await ciFactsRepository.byIds(this.db, [...allCis])) facts.set(f.id, f);
      for (const id of inRange) {
        const change = index.get(id);
        if (!change) continue;
        const infos = change.ciIds.map((ci) => ({
          id: ci,
          class: facts.get(ci)?.class ?? '',
          environment: facts.get(ci)?.environment ?? null,
        }));
        for (const hit of calendar.freezeHits(infos, change.start, change.end)) {
          counts.freeze++;
          pending.push({
            kind: 'freeze',
            start: change.start,
            ids: [id],
            cis: hit.ciIds,
            build: (c) => freezeConflict(hit, c.facts, c.ref(id)),
          });
        }
        for (const miss of calendar.maintenanceMisses(change.ciIds, change.start, change.end)) {
          counts.outside_maintenance_window++;
          pending.push({
            kind: 'outside_maintenance_window',
            start: change.start,
            ids: [id],
            cis: [miss.ciId],
            build: (c) => maintenanceConflict(miss, c.facts, c.ref(id)),
          });
        }
      }
    }

    // Team scoping: the conflicts are found over every change (a clash is real whoever can see
    // it), then those involving a change the caller may not see are left out, counts included.
    // The oversight roles who schedule and approve (platform/teams) see them all.
    let visibleInRange = inRange.length;
    const visibility = options.visibility;
    if (visibility && !visibility.all) {
      const teams = await teamRepository.teamsOf(this.db, 'change', inRange);
      const seen = (id: number) => canSee(visibility, teams.get(id) ?? null);
      visibleInRange = inRange.filter(seen).length;
      pending = pending.filter((p) => p.ids.every(seen));
      counts = emptyCounts();
      for (const p of pending) counts[p.kind]++;
    }

    // Titles, CI names and usernames are read for the listed items only.
    pending.sort((x, y) => x.start - y.start);
    const listed = pending.slice(0, limit);
    const ids = new Set<number>();
    const cis = new Set<number>();
    const users = new Set<number>();
    for (const p of listed) {
      for (const id of p.ids) ids.add(id);
      for (const ci of p.cis) if (!facts.has(ci)) cis.add(ci);
      for (const u of p.users ?? []) users.add(u);
    }
    const rows = new Map((await changeRepository.findByIds(this.db, [...ids])).map((r) => [r.id, r]));
    for (const f of await ciFactsRepository.byIds(this.db, [...cis])) facts.set(f.id, f);
    const names = await this.#usernames(this.db, [...users]);
    const context: BuildContext = {
      facts,
      names,
      ref: (id) => {
        const row = rows.get(id);
        return row ? refOf(row) : { id, title: '', state: '', plannedStart: null, plannedEnd: null };
      },
    };
    return {
      from,
      to,
      changes: visibleInRange,
      counts,
      items: listed.map((p) => p.build(context)),
      truncated: truncated || pending.length > limit,
      durationMs: Math.round(performance.now() - started),
    };
  }

  /** Pairs of changes in range whose closures (CIs included) share a CI, by a sweep over per-CI buckets. */
  #impactPairs(
    inRange: readonly number[],
    from: number,
    to: number,
    exclude: PairSet<number>,
  ): { pairs: PairSet<number>; truncated: boolean } {
    const index = this.index.index;
    const buckets = new Map<number, IntervalBucket>();
    let budget = REPORT_CLOSURE_BUDGET;
    let truncated = false;
    for (const id of inRange) {
      const change = index.get(id);
      if (!change) continue;
      const nodes = new Set<number>(change.ciIds);
      const closure = this.assessment.closure(change.ciIds).ids;
      if (closure.length + nodes.size > budget) {
        truncated = true;
        break;
      }
      for (let i = 0; i < closure.length; i++) nodes.add(closure[i] as number);
      budget -= nodes.size;
      for (const node of nodes) {
        let bucket = buckets.get(node);
        if (!bucket) {
          bucket = new IntervalBucket();
          buckets.set(node, bucket);
        }
        bucket.push(id, change.start, change.end);
      }
    }
    const pairs = new PairSet<number>();
    for (const [node, bucket] of buckets) {
      if (bucket.size < 2) continue;
      bucket.sort();
      bucket.overlappingPairs(from, to, (a, b) => {
        if (!exclude.has(a, b)) pairs.add(a, b, node);
      });
    }
    return { pairs, truncated };
  }
}
