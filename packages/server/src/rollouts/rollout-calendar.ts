import type { Kysely } from 'kysely';
import type { CalendarEvent, CalendarSource } from '../changes/calendar-registry.js';
import type { Clock } from '../platform/clock.js';
import type { Database } from '../platform/database-schema.js';

const MAX_EVENTS = 20_000;

/**
 * Rollouts on the forward schedule of change (`GET /api/v1/calendar`, the iCalendar feed): each
 * rollout spans from when it started (or is scheduled / planned to) until it finished (or is
 * planned to). A running rollout without a planned end reaches "now", so it shows as occupying
 * the calendar while it runs, and conflicts with what else is scheduled on the same days.
 */
export function rolloutCalendarSource(db: Kysely<Database>, clock: Clock): CalendarSource {
  return {
    name: 'rollouts',
    async events(from, to) {
      const rows = await db
        .selectFrom('rollouts')
        .innerJoin('releases', 'releases.id', 'rollouts.release_id')
        .select([
          'rollouts.id',
          'rollouts.release_id',
          'rollouts.environment',
          'rollouts.strategy',
          'rollouts.state',
          'rollouts.phase',
          'rollouts.scheduled_at',
          'rollouts.planned_start',
          'rollouts.planned_end',
          'rollouts.started_at',
          'rollouts.finished_at',
          'rollouts.created_at',
          'rollouts.updated_at',
          'rollouts.version',
          'releases.unit_name',
          'releases.version_label',
          'releases.title',
        ])
        // Coarse cut in SQL (ISO-8601 text compares in time order); the exact overlap below.
        .where('rollouts.created_at', '<', to)
        .where((eb) => eb.or([eb('rollouts.finished_at', 'is', null), eb('rollouts.finished_at', '>=', from)]))
        .orderBy('rollouts.id')
        .limit(MAX_EVENTS)
        .execute();
      const now = clock.now().toISOString();
      const events: CalendarEvent[] = [];
      for (const r of rows) {
        const start = r.started_at ?? r.scheduled_at ?? r.planned_start ?? r.created_at;
        const end = r.finished_at ?? laterOf(laterOf(r.planned_end ?? start, now), start);
        if (!(start < to && end > from)) continue;
        events.push({
          uid: `rollout-${r.id}@slipway`,
          source: 'rollouts',
          kind: `${r.strategy.replace('_', ' ')} rollout`,
          objectType: 'rollout',
          objectId: r.id,
          title: `Rollout of ${r.unit_name} ${r.version_label} to ${r.environment}`,
          description: `${r.strategy.replace('_', ' ')} rollout of release ${r.release_id} (${r.title}), ${r.state}`,
          start,
          end,
          status: r.state,
          url: `/api/v1/rollouts/${r.id}`,
          details: {
            releaseId: r.release_id,
            environment: r.environment,
            strategy: r.strategy,
            phase: r.phase,
            state: r.state,
          },
          updatedAt: r.updated_at,
          version: r.version,
        });
      }
      return events;
    },
  };
}

/** The later of two ISO-8601 UTC timestamps (text compares in time order). */
function laterOf(a: string, b: string): string {
  return a > b ? a : b;
}
