import type { FastifyBaseLogger } from 'fastify';
import { DEMO_SOURCE } from '../cmdb/demo/demo-loader.js';
import { SeededRandom } from '../cmdb/demo/seeded-random.js';
import { systemActor } from '../platform/actor.js';
import { DEMO_PEOPLE, demoPerson } from '../platform/auth/demo-people.js';
import type { AppContext } from '../platform/context.js';
import { writePastChange, writePastRelease, writePastRollout } from './history-writer.js';
import type { MeasurementServices } from './metrics-kpi.module.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MONTHS = 12;
const HISTORY_MARKER = 'history';
const HOST_CLASSES = ['server', 'virtual_machine', 'database', 'network_device', 'messaging'];
const ELEMENT_OF_CLASS: Record<string, string> = {
  server: 'server',
  virtual_machine: 'server',
  database: 'database',
  network_device: 'network',
  messaging: 'messaging',
};
const PROTOCOLS = ['functionality', 'integration', 'performance', 'security', 'acceptance', 'reliability'];

interface Host {
  id: number;
  class: string;
  name: string;
}

/**
 * A year of plausible history for the demo organisation, so the KPI dashboard, the DORA keys and
 * the maturity assessment say something on first start: about four releases a month to the demo
 * services' hosts with their production rollouts (some late, some backed out), the changes that
 * authorised them, a few standalone changes, and incidents — most with a recorded cause, some
 * without. The organisation gets better over the year (more rehearsed back-outs and tests, fewer
 * late rollouts and back-outs), which the trend then shows.
 *
 * Releases and changes are written through their repositories (history-writer.ts), incidents
 * through the incident service (audited), rollout history rows directly into `rollouts` and
 * `rollout_targets` (history-writer.ts: terminal rows only, no jobs). Deterministic (seeded), and
 * only into an organisation that has the demo CMDB and no history yet.
 */
export async function seedMeasurementDemo(
  ctx: AppContext,
  services: MeasurementServices,
  log: FastifyBaseLogger,
): Promise<void> {
  try {
    const db = ctx.database.db;
    const demoServices = (await ctx.cmdb.cis.list({ class: 'service', limit: 50 })).filter(
      (s) => s.source === DEMO_SOURCE,
    );
    if (demoServices.length === 0) return;
    const already = await db
      .selectFrom('releases')
      .select('id')
      .where('contents_hash', '=', HISTORY_MARKER)
      .limit(1)
      .executeTakeFirst();
    if (already || (await services.incidents.list({ limit: 1 })).length > 0) return;

    const hostsOf = new Map<number, Host[]>();
    for (const service of demoServices) {
      const answer = await ctx.cmdb.impact.query(service.id, 'dependencies', { classes: HOST_CLASSES, limit: 12 });
      const hosts = answer.items.map((i) => ({ id: i.id, class: i.class, name: i.name }));
      if (hosts.length > 0) hostsOf.set(service.id, hosts);
    }
    const withHosts = demoServices.filter((s) => hostsOf.has(s.id));
    if (withHosts.length === 0) return;

    // The history's people are the demo's accounts: what it says they did, Users shows who they are.
    const approver = await demoPerson(ctx, DEMO_PEOPLE.historyCab);
    const releaseManager = await demoPerson(ctx, DEMO_PEOPLE.releaseManager);
    const changeManager = await demoPerson(ctx, DEMO_PEOPLE.changeManager);
    const random = SeededRandom.forPart(20261128, 'measurement-history');
    const chance = (p: number) => random.next() < p;
    const pick = <T>(items: readonly T[]): T => items[random.int(0, items.length - 1)] as T;
    const now = ctx.clock.now().getTime();
    const start = now - MONTHS * 30 * DAY_MS;
    // The incidents come in as the history's import (as from a service desk tool), not as anybody's entry.
    const actor = systemActor('demo-history');
    const versions = new Map<string, number>();
    let releases = 0;
    let incidents = 0;
    let changes = 0;

    // One step about every 7.5 days; `progress` goes 0 → 1 over the year (the improvement).
    for (let when = start + DAY_MS; when < now - 2 * DAY_MS; when += random.int(5, 10) * DAY_MS) {
      const progress = (when - start) / (now - start);
      const service = pick(withHosts);
      const hosts = hostsOf.get(service.id) as Host[];
      const targets = hosts.slice(0, random.int(1, Math.min(4, hosts.length)));
      const roll = random.next();
      const type = roll < 0.15 ? 'major' : roll < 0.85 ? 'minor' : 'emergency';
      const element = ELEMENT_OF_CLASS[targets[0]?.class ?? 'server'] ?? 'server';
      const leadDays = type === 'major' ? random.int(20, 40) : type === 'minor' ? random.int(4, 14) : random.int(0, 1);
      const deployAt = new Date(when);
      deployAt.setUTCHours(random.int(5, 9), 0, 0, 0);
      const startedAt = deployAt.getTime();
      const createdAt = startedAt - leadDays * DAY_MS - random.int(2, 20) * HOUR_MS;
      const approvedAt = startedAt - Math.max(2 * HOUR_MS, (leadDays * DAY_MS) / 3);
      const backedOut = chance(0.14 - 0.1 * progress);
      const late = !backedOut && chance(0.3 - 0.22 * progress);
      const plannedEnd = startedAt + 3 * HOUR_MS;
      const finishedAt = backedOut
        ? startedAt + 4 * HOUR_MS
        : late
          ? plannedEnd + random.int(1, 5) * HOUR_MS
          : startedAt + random.int(1, 3) * HOUR_MS;
      const deployed = !backedOut;
      const old = now - finishedAt > 30 * DAY_MS;
      const key = service.name;
      const n = (versions.get(key) ?? 0) + 1;
      versions.set(key, n);
      const month = new Date(startedAt);
      const version = `${month.getUTCFullYear()}.${month.getUTCMonth() + 1}.${n}`;
      const iso = (ms: number) => new Date(ms).toISOString();

      const ids = await db.transaction().execute(async (tx) => {
        const releaseId = await writePastRelease(tx, {
          type,
          element,
          unitName: service.name,
          unitCiId: service.id,
          version,
          // What it was, not "<unit> <version>" again: every view shows the unit and version beside the title.
          title: type === 'major' ? 'Feature release' : type === 'minor' ? 'Maintenance release' : 'Emergency fix',
          state: backedOut ? 'backed_out' : old && chance(0.5 + 0.45 * progress) ? 'closed' : 'deployed',
          createdAt: iso(createdAt),
          approvedAt: chance(0.9 + 0.1 * progress) ? iso(approvedAt) : null,
          deployedAt: deployed ? iso(finishedAt) : null,
          planComplete: chance(0.5 + 0.45 * progress),
          passedProtocols: PROTOCOLS.slice(
            0,
            type === 'emergency' ? 1 : random.int(progress < 0.4 ? 0 : 1, 1 + Math.round(5 * progress)),
          ),
          rehearsedBackout: chance(0.25 + 0.65 * progress),
          review:
            old && chance(0.5 + 0.45 * progress)
              ? { outcome: backedOut ? 'backed_out' : 'successful', at: iso(finishedAt + 5 * DAY_MS) }
              : null,
          requester: releaseManager.username,
          requesterId: releaseManager.userId,
        });
        await writePastRollout(tx, {
          releaseId,
          environment: 'production',
          state: backedOut ? 'backed_out' : 'completed',
          plannedStart: iso(startedAt),
          plannedEnd: iso(plannedEnd),
          startedAt: iso(startedAt),
          finishedAt: iso(finishedAt),
          backoutStartedAt: backedOut ? iso(startedAt + 2 * HOUR_MS) : null,
          targets: targets.map((h) => ({
            ciId: h.id,
            ciClass: h.class,
            ciName: h.name,
            downtimeMs: random.int(0, type === 'major' ? 20 : 8) * 60_000,
          })),
          createdBy: releaseManager.username,
        });
        const approved = chance(0.8 + 0.2 * progress);
        const changeId = await writePastChange(tx, {
          type: type === 'emergency' ? 'emergency' : 'normal',
          title: `Deploy ${service.name} ${version}`,
          releaseId,
          ciIds: targets.map((h) => h.id),
          createdAt: iso(createdAt + HOUR_MS),
          submittedAt: iso(createdAt + 2 * HOUR_MS),
          approvedAt: approved ? iso(approvedAt) : null,
          approverId: approved ? approver.userId : null,
          approverName: approver.username,
          startedAt: iso(startedAt),
          completedAt: iso(finishedAt),
          review: old
            ? { outcome: backedOut ? 'backed_out' : 'successful', at: iso(finishedAt + 4 * DAY_MS), incidentIds: [] }
            : null,
          requester: changeManager.username,
          requesterId: changeManager.userId,
          riskScore: chance(0.7 + 0.3 * progress) ? random.int(10, 70) : null,
        });
        return { releaseId, changeId };
      });
      releases++;
      changes++;

      // Incidents this release caused (fewer as the year goes on).
      if (deployed && chance(0.2 - 0.13 * progress)) {
        const begins = finishedAt + random.int(1, 8) * HOUR_MS;
        const host = pick(targets);
        await services.incidents.create(actor, {
          // Named after the host it is recorded on (not the service: that is another CI).
          title: `${host.name} errors after ${service.name} ${version}`,
          severity: chance(0.3) ? 'critical' : 'major',
          startedAt: iso(begins),
          resolvedAt: iso(begins + random.int(15, 240) * 60_000),
          causedByReleaseId: ids.releaseId,
          causeNote: 'Rolled forward with a fix; see the release review',
          ciIds: [host.id],
        });
        incidents++;
      }

      // A standalone change now and then, and an incident nobody traced to a cause.
      if (chance(0.6)) {
        const host = pick(hosts);
        const at = startedAt + random.int(2, 4) * DAY_MS;
        const emergency = chance(0.15 - 0.1 * progress);
        const failed = chance(0.12 - 0.08 * progress);
        const changeId = await db.transaction().execute((tx) =>
          writePastChange(tx, {
            type: emergency ? 'emergency' : chance(0.5) ? 'standard' : 'normal',
            title: `${emergency ? 'Emergency fix' : 'Maintenance'} on ${host.name}`,
            releaseId: null,
            ciIds: [host.id],
            createdAt: iso(at - random.int(1, 6) * DAY_MS),
            submittedAt: iso(at - random.int(1, 5) * DAY_MS + HOUR_MS),
            approvedAt: iso(at - DAY_MS),
            approverId: approver.userId,
            approverName: approver.username,
            startedAt: iso(at),
            completedAt: iso(at + HOUR_MS),
            review:
              now - at > 30 * DAY_MS
                ? { outcome: failed ? 'failed' : 'successful', at: iso(at + 3 * DAY_MS), incidentIds: [] }
                : null,
            requester: changeManager.username,
            requesterId: changeManager.userId,
            riskScore: random.int(5, 50),
          }),
        );
        changes++;
        if (failed) {
          await services.incidents.create(actor, {
            title: `${host.name} unavailable after maintenance`,
            severity: 'major',
            startedAt: iso(at + 2 * HOUR_MS),
            resolvedAt: iso(at + 2 * HOUR_MS + random.int(20, 180) * 60_000),
            causedByChangeId: changeId,
            ciIds: [host.id],
          });
          incidents++;
        }
      }
      if (chance(0.3)) {
        const at = startedAt + random.int(1, 5) * DAY_MS;
        const host = pick(hosts);
        await services.incidents.create(actor, {
          title: `${host.name} slow responses`,
          severity: 'minor',
          startedAt: iso(at),
          resolvedAt: iso(at + random.int(10, 120) * 60_000),
          ciIds: [host.id],
        });
        incidents++;
      }
    }

    // Two assessments, so the comparison and the report have something to show: run by a person.
    const first = await services.maturity.create(releaseManager, { title: 'Initial self-assessment (evidence only)' });
    const people = Object.fromEntries(
      first.result.questions
        .filter((q) => q.answer === null && q.level <= 3)
        .map((q) => [
          q.id,
          { answer: q.level === 2 ? ('yes' as const) : ('partial' as const), note: 'Agreed in the demo CAB workshop' },
        ]),
    );
    await services.maturity.create(releaseManager, { title: 'After the CAB workshop', answers: people });
    log.info({ releases, changes, incidents }, 'demo history for KPIs, DORA and maturity loaded');
  } catch (error) {
    // The demo must never stop a start: a failure here leaves the dashboards emptier, nothing more.
    log.warn({ err: error }, 'loading the demo history for KPIs failed');
  }
}
