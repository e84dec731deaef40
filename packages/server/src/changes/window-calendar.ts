import type { FreezeKind } from '@slipway/model';
import type { ImpactService } from '../cmdb/impact.service.js';
import { type Occurrence, occurrencesBetween, type RecurringWindow } from './recurrence.js';

/** What a freeze or maintenance window needs to know about a CI to decide whether it covers it. */
export interface CiScopeInfo {
  id: number;
  class: string;
  environment: string | null;
}

export interface FreezeScope {
  environments: string[];
  ciClasses: string[];
  ciIds: number[];
  serviceIds: number[];
}

export interface FreezeDefinition {
  id: number;
  name: string;
  kind: FreezeKind;
  window: RecurringWindow;
  scope: FreezeScope;
}

export interface MaintenanceDefinition {
  id: number;
  name: string;
  window: RecurringWindow;
  ciIds: number[];
  serviceIds: number[];
}

/** A freeze occurrence that covers some of a change's CIs in (or near) its window. */
export interface FreezeHit {
  freeze: { id: number; name: string; kind: FreezeKind };
  occurrence: Occurrence;
  ciIds: number[];
}

/** A CI of a change whose maintenance windows do not contain the change's window. */
export interface MaintenanceMiss {
  ciId: number;
  windows: { id: number; name: string }[];
  /** The next occurrence of one of its windows that could hold the change, if any within a year. */
  nextFit: Occurrence | null;
}

const DAY_MS = 86_400_000;

/**
 * A service's scope covers the service and every CI it depends on (the reverse impact walk), so
 * a freeze on "online banking" also freezes the hosts and databases online banking runs on.
 * The walks come from the impact index and are cached per index version.
 */
export class ServiceScope {
  #version = -1;
  #cache = new Map<number, Set<number>>();

  constructor(private readonly impact: ImpactService) {}

  covers(serviceId: number): Set<number> {
    const version = this.impact.index.version;
    if (version !== this.#version) {
      this.#cache.clear();
      this.#version = version;
    }
    let covered = this.#cache.get(serviceId);
    if (!covered) {
      covered = new Set(this.impact.traverse(serviceId, 'dependencies', {}).order);
      covered.add(serviceId);
      this.#cache.set(serviceId, covered);
    }
    return covered;
  }
}

/**
 * A snapshot of the active freezes and maintenance windows, answering the schedule questions for
 * one change or a whole calendar. Built per request or per report (the definitions are a few
 * rows), so it never serves a stale freeze.
 */
export class WindowCalendar {
  constructor(
    readonly freezes: readonly FreezeDefinition[],
    readonly maintenance: readonly MaintenanceDefinition[],
    private readonly services: ServiceScope,
  ) {}

  freezeCovers(freeze: FreezeDefinition, ci: CiScopeInfo): boolean {
    const { scope } = freeze;
    if (scope.environments.length > 0 && (ci.environment === null || !scope.environments.includes(ci.environment))) {
      return false;
    }
    if (scope.ciClasses.length > 0 && !scope.ciClasses.includes(ci.class)) return false;
    if (scope.ciIds.length > 0 || scope.serviceIds.length > 0) {
      const listed = scope.ciIds.includes(ci.id);
      const viaService = scope.serviceIds.some((s) => this.services.covers(s).has(ci.id));
      if (!listed && !viaService) return false;
    }
    return true;
  }

  /** Freeze occurrences overlapping [start, end) that cover any of the CIs. */
  freezeHits(cis: readonly CiScopeInfo[], start: number, end: number): FreezeHit[] {
    const hits: FreezeHit[] = [];
    for (const freeze of this.freezes) {
      const covered = cis.filter((ci) => this.freezeCovers(freeze, ci)).map((ci) => ci.id);
      if (covered.length === 0) continue;
      for (const occurrence of occurrencesBetween(freeze.window, start, end, 100)) {
        hits.push({ freeze: { id: freeze.id, name: freeze.name, kind: freeze.kind }, occurrence, ciIds: covered });
      }
    }
    return hits;
  }

  /** The closest covering freeze within `days` of [start, end): gap 0 when inside one. */
  nearestFreeze(
    cis: readonly CiScopeInfo[],
    start: number,
    end: number,
    days: number,
  ): { name: string; gapDays: number } | null {
    const margin = days * DAY_MS;
    let best: { name: string; gapDays: number } | null = null;
    for (const hit of this.freezeHits(cis, start - margin, end + margin)) {
      const gap =
        hit.occurrence.end <= start
          ? start - hit.occurrence.end
          : hit.occurrence.start >= end
            ? hit.occurrence.start - end
            : 0;
      const gapDays = gap / DAY_MS;
      if (best === null || gapDays < best.gapDays) best = { name: hit.freeze.name, gapDays };
    }
    return best;
  }

  /** The maintenance windows that govern a CI (directly, or through a service it serves). */
  maintenanceFor(ciId: number): MaintenanceDefinition[] {
    return this.maintenance.filter(
      (m) => m.ciIds.includes(ciId) || m.serviceIds.some((s) => this.services.covers(s).has(ciId)),
    );
  }

  /**
   * CIs that have maintenance windows none of whose occurrences contains [start, end). CIs
   * without any maintenance window may be changed at any time.
   */
  maintenanceMisses(ciIds: readonly number[], start: number, end: number): MaintenanceMiss[] {
    const misses: MaintenanceMiss[] = [];
    for (const ciId of ciIds) {
      const windows = this.maintenanceFor(ciId);
      if (windows.length === 0) continue;
      const fits = windows.some((m) =>
        occurrencesBetween(m.window, start, end, 50).some((o) => o.start <= start && o.end >= end),
      );
      if (fits) continue;
      let nextFit: Occurrence | null = null;
      const duration = end - start;
      for (const m of windows) {
        for (const o of occurrencesBetween(m.window, start, start + 366 * DAY_MS, 400)) {
          if (o.start >= start && o.end - o.start >= duration && (nextFit === null || o.start < nextFit.start)) {
            nextFit = o;
            break;
          }
        }
      }
      misses.push({ ciId, windows: windows.map((m) => ({ id: m.id, name: m.name })), nextFit });
    }
    return misses;
  }
}
