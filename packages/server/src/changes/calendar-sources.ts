import type { Kysely } from 'kysely';
import type { Database } from '../platform/database-schema.js';
import type { CalendarEvent, CalendarSource } from './calendar-registry.js';
import { changeRepository } from './change.repository.js';
import { toFreeze, toMaintenanceWindow } from './freeze.service.js';
import { icalUtc } from './ical-writer.js';
import { occurrencesBetween } from './recurrence.js';
import { freezeRepository, maintenanceWindowRepository } from './window.repository.js';

/** Submitted changes and those already done: drafts, rejections and withdrawals are not on the schedule. */
const SCHEDULE_STATES = ['assess', 'authorize', 'scheduled', 'implement', 'review', 'closed'];
const MAX_EVENTS = 20_000;

export function changeCalendarSource(db: Kysely<Database>): CalendarSource {
  return {
    name: 'changes',
    async events(from, to) {
      const rows = await changeRepository.inWindow(db, SCHEDULE_STATES, from, to, MAX_EVENTS);
      const cis = await changeRepository.ciIdsOf(
        db,
        rows.map((r) => r.id),
      );
      return rows.map(
        (r): CalendarEvent => ({
          uid: `change-${r.id}@slipway`,
          source: 'changes',
          kind: `${r.type} change`,
          objectType: 'change',
          objectId: r.id,
          title: `#${r.id} ${r.title}`,
          description: `${r.type} change, ${r.state}${r.risk_level ? `, risk ${r.risk_level.replace('_', ' ')}` : ''}; requested by ${r.requester_name}`,
          start: r.planned_start as string,
          end: r.planned_end as string,
          status: r.state,
          url: `/api/v1/changes/${r.id}`,
          details: {
            type: r.type,
            state: r.state,
            riskLevel: r.risk_level,
            riskScore: r.risk_score,
            implementerId: r.implementer_id,
            ciIds: cis.get(r.id) ?? [],
          },
          updatedAt: r.updated_at,
          version: r.version,
        }),
      );
    },
  };
}

export function freezeCalendarSource(db: Kysely<Database>): CalendarSource {
  return {
    name: 'freezes',
    async events(from, to) {
      const events: CalendarEvent[] = [];
      for (const freeze of (await freezeRepository.listActive(db)).map(toFreeze)) {
        const occurrences = occurrencesBetween(
          { startsAt: freeze.startsAt, endsAt: freeze.endsAt, rrule: freeze.rrule, timeZone: freeze.timezone },
          Date.parse(from),
          Date.parse(to),
          1000,
        );
        for (const o of occurrences) {
          const start = new Date(o.start).toISOString();
          events.push({
            uid: `freeze-${freeze.id}-${icalUtc(start)}@slipway`,
            source: 'freezes',
            kind: `${freeze.kind} freeze`,
            objectType: 'freeze',
            objectId: freeze.id,
            title: `Freeze (${freeze.kind}): ${freeze.name}`,
            description: freeze.description,
            start,
            end: new Date(o.end).toISOString(),
            status: freeze.kind,
            url: `/api/v1/freezes/${freeze.id}`,
            details: { kind: freeze.kind, scope: freeze.scope, rrule: freeze.rrule, timezone: freeze.timezone },
            updatedAt: freeze.updatedAt,
            version: freeze.version,
          });
        }
      }
      return events;
    },
  };
}

export function maintenanceCalendarSource(db: Kysely<Database>): CalendarSource {
  return {
    name: 'maintenance',
    async events(from, to) {
      const events: CalendarEvent[] = [];
      for (const window of (await maintenanceWindowRepository.listAll(db)).map(toMaintenanceWindow)) {
        const occurrences = occurrencesBetween(
          { startsAt: window.startsAt, endsAt: window.endsAt, rrule: window.rrule, timeZone: window.timezone },
          Date.parse(from),
          Date.parse(to),
          1000,
        );
        for (const o of occurrences) {
          const start = new Date(o.start).toISOString();
          events.push({
            uid: `maintenance-${window.id}-${icalUtc(start)}@slipway`,
            source: 'maintenance',
            kind: 'maintenance window',
            objectType: 'maintenance_window',
            objectId: window.id,
            title: `Maintenance window: ${window.name}`,
            description: window.description,
            start,
            end: new Date(o.end).toISOString(),
            status: 'open',
            url: `/api/v1/maintenance-windows/${window.id}`,
            details: {
              ciIds: window.ciIds,
              serviceIds: window.serviceIds,
              rrule: window.rrule,
              timezone: window.timezone,
            },
            updatedAt: window.updatedAt,
            version: window.version,
          });
        }
      }
      return events;
    },
  };
}
