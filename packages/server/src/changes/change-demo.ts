import type { FastifyBaseLogger } from 'fastify';
import { DEMO_SOURCE } from '../cmdb/demo/demo-loader.js';
import { DEMO_PEOPLE, demoPerson } from '../platform/auth/demo-people.js';
import type { AppContext } from '../platform/context.js';

const DAY_MS = 86_400_000;

function at(base: number, days: number, hour: number): string {
  const d = new Date(base + days * DAY_MS);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
}

/**
 * Change management for the demo organisation, so a CAB week can start at once: the year-end and
 * third-Saturday freezes, a Sunday maintenance window for the biggest services, two
 * standard-change templates (all set by the demo change manager), and a few changes at different
 * stages (raised by the demo release manager, assessed by the change manager). Only next to the
 * demo CMDB, only once (when no freeze and no change exists); failures are logged, never fatal.
 */
export async function seedChangeDemo(
  ctx: Pick<AppContext, 'cmdb' | 'changes' | 'clock' | 'users' | 'database'>,
  log: FastifyBaseLogger,
): Promise<void> {
  try {
    const services = (await ctx.cmdb.cis.list({ class: 'service', limit: 20 })).filter((s) => s.source === DEMO_SOURCE);
    if (services.length === 0) return;
    const { changes, freezes, templates } = ctx.changes;
    if ((await freezes.listFreezes({ limit: 1 })).length > 0 || (await changes.list({ limit: 1 })).length > 0) return;
    const manager = await demoPerson(ctx, DEMO_PEOPLE.changeManager);
    const requester = await demoPerson(ctx, DEMO_PEOPLE.releaseManager);
    const year = ctx.clock.now().getUTCFullYear();
    await freezes.createFreeze(manager, {
      name: 'Year-end freeze',
      description: 'No production changes over the holidays and the year-end close',
      kind: 'hard',
      startsAt: `${year}-12-15T00:00:00Z`,
      endsAt: `${year + 1}-01-06T00:00:00Z`,
      rrule: 'FREQ=YEARLY',
      scope: { environments: ['production'] },
    });
    await freezes.createFreeze(manager, {
      name: 'Third-Saturday release weekend',
      description: 'Reserved for the monthly release train: other changes need an override',
      kind: 'soft',
      startsAt: `${year}-01-17T00:00:00Z`,
      endsAt: `${year}-01-18T00:00:00Z`,
      rrule: 'FREQ=MONTHLY;BYDAY=3SA',
      scope: { environments: ['production'] },
    });
    await freezes.createMaintenanceWindow(manager, {
      name: 'Sunday early maintenance',
      description: 'Agreed with the business owners: Sundays 02:00–06:00 UTC',
      startsAt: `${year}-01-04T02:00:00Z`,
      endsAt: `${year}-01-04T06:00:00Z`,
      rrule: 'FREQ=WEEKLY;BYDAY=SU',
      serviceIds: services.slice(0, 3).map((s) => s.id),
    });
    const desktopTemplate = await templates.create(manager, {
      name: 'Desktop software update',
      description: 'Vendor updates of approved desktop software, pushed by the desktop team',
      allowedCiClasses: ['desktop', 'software'],
      maxImpactedCis: 200,
      maxDurationMinutes: 240,
      backoutPlan: 'Redeploy the previous package version from the software library',
    });
    await templates.create(manager, {
      name: 'Server OS patch',
      description: 'Monthly operating-system patches on one server or virtual machine',
      allowedCiClasses: ['server', 'virtual_machine'],
      maxImpactedCis: 30,
      maxDurationMinutes: 180,
      backoutPlan: 'Roll back to the pre-patch snapshot',
    });

    const now = ctx.clock.now().getTime();
    const apps = await ctx.cmdb.cis.list({ class: 'application', limit: 3 });
    const desktops = await ctx.cmdb.cis.list({ class: 'desktop', limit: 2 });
    if (apps[0]) {
      const change = await changes.create(requester, {
        type: 'normal',
        title: `Upgrade ${apps[0].name} to the next minor version`,
        description: 'Security fixes and two small features',
        justification: 'Vendor advisory; the current version loses support next quarter',
        ciIds: [apps[0].id],
        plannedStart: at(now, 6, 20),
        plannedEnd: at(now, 6, 22),
        backoutPlan: 'Redeploy the previous version; the schema change is backward compatible',
      });
      // A freeze may cover the window when the demo starts in December: keep the draft then.
      await changes
        .act(requester, change.id, 'submit')
        .then(() => changes.act(manager, change.id, 'assess'))
        .catch(() => undefined);
    }
    if (apps[1]) {
      const change = await changes.create(requester, {
        type: 'normal',
        title: `Move ${apps[1].name} to the new database cluster`,
        ciIds: [apps[1].id],
        plannedStart: at(now, 8, 21),
        plannedEnd: at(now, 9, 1),
      });
      await changes.act(requester, change.id, 'submit').catch(() => undefined);
    }
    if (desktops.length > 0) {
      const change = await changes.create(requester, {
        type: 'standard',
        templateId: desktopTemplate.id,
        title: 'Browser security update',
        ciIds: desktops.map((d) => d.id),
        plannedStart: at(now, 3, 12),
        plannedEnd: at(now, 3, 14),
      });
      await changes.act(requester, change.id, 'submit').catch(() => undefined);
    }
    log.info('change management demo seeded: freezes, a maintenance window, templates and changes');
  } catch (error) {
    log.error({ err: error }, 'seeding the change management demo failed; starting without it');
  }
}
