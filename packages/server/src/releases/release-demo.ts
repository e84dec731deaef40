import type { FastifyBaseLogger } from 'fastify';
import { SOFTWARE } from '../cmdb/demo/demo-catalogue.js';
import { DEMO_SOURCE } from '../cmdb/demo/demo-loader.js';
import { type Actor, systemActor } from '../platform/actor.js';
import { DEMO_PEOPLE, demoPerson } from '../platform/auth/demo-people.js';
import type { AppContext } from '../platform/context.js';
import type { ReleaseServices } from './releases.module.js';

const DAY_MS = 86_400_000;
/** The demo's database and broker hosts are mostly virtual machines. */
const HOST_CLASSES = ['server', 'virtual_machine'];

function at(base: number, days: number, hour: number): string {
  const d = new Date(base + days * DAY_MS);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
}

type Sections = Partial<Record<string, string>>;

async function writePlan(
  releases: ReleaseServices,
  actor: Actor,
  id: number,
  owner: string,
  sections: Sections,
): Promise<void> {
  for (const [key, content] of Object.entries(sections)) {
    if (content === undefined) continue;
    await releases.releases.updateSection(actor, id, key, { owner, status: 'done', content });
  }
}

async function approvedArtifact(
  ctx: Pick<AppContext, 'library'>,
  product: string,
  version: string,
): Promise<number | undefined> {
  const list = await ctx.library.artifacts.list({ name: product, state: 'approved', limit: 50 });
  return list.find((a) => a.artifactVersion === version)?.id;
}

/**
 * Release management for the demo organisation, so a newcomer sees releases at every stage and
 * can carry them on through the API, the CLI or the UI:
 *
 * - a **minor** desktop release (Chrome 122 for the desktops still on 109/121) in testing: planned,
 *   built from the library's approved artifact, targets by saved query, promoted to `test` with the
 *   functionality test passed — integration, supportability, acceptance, the change and the CAB
 *   remain, and `readiness` names each;
 * - a **major** database release (PostgreSQL 16.2 for the production clusters) built, with its full
 *   eight-section plan: tests, a rehearsed back-out, ten days' notice and two CAB approvals remain;
 * - an **emergency** messaging release (RabbitMQ 3.13 for the queue corruption) on its shorter path:
 *   built straight from draft, tested, its emergency change raised and waiting for one ECAB approval.
 *
 * Only next to the demo CMDB, only once (no release yet); failures are logged, never fatal, and a
 * step that cannot happen on the day (a freeze, say) leaves that release where it got to.
 */
export async function seedReleaseDemo(
  ctx: Pick<AppContext, 'cmdb' | 'library' | 'releases' | 'clock' | 'users' | 'database'>,
  log: FastifyBaseLogger,
): Promise<void> {
  try {
    const marker = await ctx.cmdb.cis.findByRef(
      'software',
      `${SOFTWARE.chrome122.product} ${SOFTWARE.chrome122.version}`,
    );
    if (marker?.source !== DEMO_SOURCE) return;
    const { releases } = ctx;
    if ((await releases.releases.list({ limit: 1 })).length > 0) return;
    const manager = await demoPerson(ctx, DEMO_PEOPLE.releaseManager);
    const pipeline = systemActor('demo-ci-pipeline');
    const now = ctx.clock.now().getTime();
    const seeded: string[] = [];

    // The minor release, in testing.
    await (async () => {
      const { product, version } = SOFTWARE.chrome122;
      const release = await releases.releases.create(manager, {
        type: 'minor',
        element: 'desktop',
        unit: product,
        // Chrome's four-part build number is not semver; the release unit is versioned MAJOR.MINOR.BUILD.
        releaseVersion: version.split('.').slice(0, 3).join('.'),
        title: 'Bring every desktop to Chrome 122',
        description: 'A few hundred desktops still run Chrome 109 or 121 and miss security fixes.',
        plannedStart: at(now, 14, 18),
        plannedEnd: at(now, 14, 22),
        knownIssues:
          'Chrome 122 drops support for a legacy SAP GUI web plug-in; affected users are listed in the scope.',
      });
      seeded.push(`minor #${release.id}`);
      await writePlan(releases, manager, release.id, 'desktop-team', {
        scope: `Every desktop with ${product} below 122 (saved target query), in waves per site.`,
        schedule: 'Pilot in week 1 (IT staff), then one site per evening; done within two weeks.',
        test_plan:
          'Functionality and integration on the test desktops, supportability with the service desk, UAT in staging.',
        backout_plan: `Redeploy ${product} 121 from the software library; user profiles are untouched.`,
      });
      const artifact = await approvedArtifact(ctx, product, version);
      if (artifact !== undefined) await releases.content.addArtifact(manager, release.id, artifact);
      await releases.content.addTargetQuery(manager, release.id, {
        environment: 'production',
        name: `Desktops on an older ${product}`,
        query: { class: 'desktop', installed: [{ product, version: '<122' }] },
      });
      for (const to of ['planned', 'built', 'in_test']) await releases.releases.transition(manager, release.id, to);
      for (const env of ['development', 'test']) await releases.releases.promote(manager, release.id, env);
      await releases.tests.record(pipeline, release.id, {
        environment: 'test',
        protocol: 'functionality',
        outcome: 'passed',
        summary: 'Browser smoke suite on the test desktop pool',
        evidence: { text: '148 checks passed, 0 failed (pipeline run 2291)' },
      });
    })().catch((error: unknown) => log.warn({ err: error }, 'release demo: the minor release stopped early'));

    // The major release, built.
    await (async () => {
      const { product } = SOFTWARE.postgres162;
      const release = await releases.releases.create(manager, {
        type: 'major',
        element: 'database',
        unit: product,
        releaseVersion: '16.2.0',
        title: 'PostgreSQL 16 for the production database clusters',
        description: 'Major upgrade from 15.6: logical replication from standbys, faster bulk loads.',
        plannedStart: at(now, 21, 20),
        plannedEnd: at(now, 22, 2),
        knownIssues: 'Extensions must be rebuilt against 16; pg_upgrade --link needs a fresh base backup.',
      });
      seeded.push(`major #${release.id}`);
      await writePlan(releases, manager, release.id, 'dba-team', {
        scope: 'The production PostgreSQL 15.6 servers (saved target query) and the applications on them.',
        schedule: 'Staging rehearsal two weeks before; production on the planned Saturday night.',
        build_and_configuration: 'pg_upgrade --link from 15.6 to 16.2; configuration carried over and diffed.',
        test_plan:
          'The policy set of nine protocols: functional to reliability in test, availability and UAT in staging.',
        distribution_and_installation:
          'Packages from the software library; installed by the DBA runbook, one cluster at a time.',
        communication_and_training: 'Application owners notified ten days ahead; service desk briefing the day before.',
        backout_plan: 'Fail over to the untouched standby on 15.6, then rebuild the upgraded node from it.',
        early_life_support: 'DBA on call for a week; slow-query report compared daily with the 15.6 baseline.',
      });
      const artifact = await approvedArtifact(ctx, product, SOFTWARE.postgres162.version);
      if (artifact !== undefined) await releases.content.addArtifact(manager, release.id, artifact);
      await releases.content.addTargetQuery(manager, release.id, {
        environment: 'production',
        name: `Production servers on ${product} 15`,
        query: { class: HOST_CLASSES, environment: 'production', installed: [{ product, version: '<16' }] },
      });
      for (const to of ['planned', 'built']) await releases.releases.transition(manager, release.id, to);
    })().catch((error: unknown) => log.warn({ err: error }, 'release demo: the major release stopped early'));

    // The emergency release, waiting for the ECAB.
    await (async () => {
      const { product, version } = SOFTWARE.rabbitmq313;
      const release = await releases.releases.create(manager, {
        type: 'emergency',
        element: 'messaging',
        unit: product,
        releaseVersion: version,
        // Not "RabbitMQ 3.13.0: …": the release shows its unit and version, and so does its change's title.
        title: 'Fix the quorum-queue corruption',
        description: 'The production brokers on 3.12 lose messages under a rare leader election; 3.13.0 fixes it.',
        plannedStart: at(now, 1, 22),
        plannedEnd: at(now, 2, 0),
      });
      seeded.push(`emergency #${release.id}`);
      await writePlan(releases, manager, release.id, 'messaging-team', {
        scope: `The production brokers still on ${product} 3.12 (saved target query).`,
        backout_plan: `Reinstall ${product} 3.12.12 from the software library; queues are mirrored meanwhile.`,
      });
      const artifact = await approvedArtifact(ctx, product, version);
      if (artifact !== undefined) await releases.content.addArtifact(manager, release.id, artifact);
      await releases.content.addTargetQuery(manager, release.id, {
        environment: 'production',
        name: `Brokers on ${product} 3.12`,
        query: { class: HOST_CLASSES, environment: 'production', installed: [{ product, version: '<3.13' }] },
      });
      for (const to of ['built', 'in_test']) await releases.releases.transition(manager, release.id, to);
      for (const env of ['development', 'test']) await releases.releases.promote(manager, release.id, env);
      // Every test the emergency policy and the messaging template ask for in test, so the ECAB decides.
      for (const protocol of release.requiredTests.test ?? []) {
        await releases.tests.record(pipeline, release.id, {
          environment: 'test',
          protocol,
          outcome: 'passed',
          summary: `${protocol}: leader-election soak on the test brokers`,
          evidence: { text: '2 000 forced elections, no message lost (pipeline run 877)' },
        });
      }
      await releases.releases.createChange(manager, release.id, { submit: true });
    })().catch((error: unknown) => log.warn({ err: error }, 'release demo: the emergency release stopped early'));

    log.info({ releases: seeded }, 'release management demo seeded: a minor, a major and an emergency release');
  } catch (error) {
    log.error({ err: error }, 'seeding the release management demo failed; starting without it');
  }
}
