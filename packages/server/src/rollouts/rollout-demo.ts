import type { FastifyBaseLogger } from 'fastify';
import { type Actor, systemActor } from '../platform/actor.js';
import { DEMO_PEOPLE, demoPerson } from '../platform/auth/demo-people.js';
import type { AppContext } from '../platform/context.js';
import type { Release } from '../releases/release.service.js';
import type { Rollout } from './rollout.service.js';

type DemoContext = Pick<AppContext, 'releases' | 'rollouts' | 'users' | 'changes' | 'library' | 'clock' | 'database'>;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const WAIT_MS = 10 * 60_000;

/** The release units the rollout demo creates (tests of the other demos tell its releases from theirs). */
export const ROLLOUT_DEMO_UNITS = ['desktop-agent-windows_exporter', 'redis-cache', 'kafka-events'] as const;

/** The messaging software the dormant story installs: a Kafka upgrade of the event brokers. */
const KAFKA = { product: 'Apache Kafka', version: '3.7.0', from: '3.6.1' };

function at(base: number, days: number, hour: number): string {
  const d = new Date(base + days * DAY_MS);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
}

async function until(ctx: DemoContext, id: number, states: string[]): Promise<Rollout> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const rollout = await ctx.rollouts.rollouts.get(id);
    if (states.includes(rollout.state)) return rollout;
    if (Date.now() > deadline) throw new Error(`rollout ${id} stayed ${rollout.state}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Takes an emergency release from `built` through testing (every test its policy and template
 * require, in each environment), its emergency change (approved by one ECAB member) and the ECAB
 * approval (another member): the shortest honest path through the gates.
 */
async function authorise(ctx: DemoContext, release: Release, manager: Actor, ecab: Actor[]): Promise<void> {
  const pipeline = systemActor('demo-ci-pipeline');
  const { releases } = ctx;
  if (release.state === 'built') await releases.releases.transition(manager, release.id, 'in_test');
  for (const environment of ['development', 'test', 'staging']) {
    const current = await releases.releases.get(release.id);
    const envs = ['development', 'test', 'staging'];
    if (current.currentEnvironment === null || envs.indexOf(current.currentEnvironment) < envs.indexOf(environment)) {
      await releases.releases.promote(manager, release.id, environment);
    }
    const done = new Set(
      (await releases.tests.list(release.id)).filter((t) => t.environment === environment).map((t) => t.protocol),
    );
    for (const protocol of current.requiredTests[environment] ?? []) {
      if (done.has(protocol)) continue;
      await releases.tests.record(pipeline, release.id, {
        environment,
        protocol,
        outcome: 'passed',
        summary: `${protocol} in ${environment}`,
        evidence: { text: 'Pipeline run green' },
      });
    }
  }
  let changes = await releases.releases.linkedChanges(release.id);
  if (changes.length === 0) {
    await releases.releases.createChange(manager, release.id, { submit: true });
    changes = await releases.releases.linkedChanges(release.id);
  }
  for (const change of changes) {
    if (change.state === 'authorize') await ctx.changes.changes.approve(ecab[0] as Actor, change.id, 'ECAB: go');
  }
  try {
    await releases.releases.approve(ecab[1] as Actor, release.id, 'ECAB: approved for rollout');
  } catch (error) {
    // A demo freeze over the window: the emergency policy allows an override with a reason.
    const violations = (error as { violations?: { id: string }[] }).violations ?? [];
    if (!violations.some((v) => v.id.startsWith('freeze.'))) throw error;
    await releases.releases.overrideFreeze(manager, release.id, 'Emergency fix: cannot wait for the freeze to end');
    await releases.releases.approve(ecab[1] as Actor, release.id, 'ECAB: approved for rollout');
  }
}

async function emergencyRelease(
  ctx: DemoContext,
  manager: Actor,
  input: {
    element: string;
    unit: string;
    version: string;
    title: string;
    product: string;
    query: Record<string, unknown>;
    scope: string;
    /** Default: tomorrow 20:00–23:00 UTC. */
    window?: { start: string; end: string };
    /** Default: the first approved artifact of the product. */
    artifactVersion?: string;
  },
): Promise<Release | undefined> {
  const artifact = (await ctx.library.artifacts.list({ name: input.product, state: 'approved', limit: 50 })).find(
    (a) => input.artifactVersion === undefined || a.artifactVersion === input.artifactVersion,
  );
  if (!artifact) return undefined;
  const now = ctx.clock.now().getTime();
  const release = await ctx.releases.releases.create(manager, {
    type: 'emergency',
    element: input.element as Release['element'],
    unit: input.unit,
    releaseVersion: input.version,
    title: input.title,
    plannedStart: input.window?.start ?? at(now, 1, 20),
    plannedEnd: input.window?.end ?? at(now, 1, 23),
  });
  for (const [key, content] of Object.entries({
    scope: input.scope,
    backout_plan: `Reinstall the previous ${input.product} from the software library.`,
  })) {
    await ctx.releases.releases.updateSection(manager, release.id, key, {
      owner: 'demo-team',
      status: 'done',
      content,
    });
  }
  await ctx.releases.content.addArtifact(manager, release.id, artifact.id);
  await ctx.releases.content.addTargetQuery(manager, release.id, {
    environment: 'production',
    name: input.scope,
    query: input.query as never,
  });
  await ctx.releases.releases.transition(manager, release.id, 'built');
  return ctx.releases.releases.get(release.id);
}

/** Kafka 3.7.0 into the software library: pushed by the librarian, approved by someone else. */
async function kafkaArtifact(ctx: DemoContext, manager: Actor): Promise<void> {
  const existing = await ctx.library.artifacts.list({ name: KAFKA.product, state: 'approved', limit: 50 });
  if (existing.some((a) => a.artifactVersion === KAFKA.version)) return;
  async function* content(): AsyncGenerator<Buffer> {
    yield Buffer.from(`Northwind Logistics software library placeholder for ${KAFKA.product} ${KAFKA.version}\n`);
  }
  const { artifact } = await ctx.library.artifacts.push(
    await demoPerson(ctx, DEMO_PEOPLE.librarian),
    {
      name: KAFKA.product,
      artifactVersion: KAFKA.version,
      license: 'Apache-2.0',
      supplier: 'Apache Software Foundation',
      description: `${KAFKA.product} ${KAFKA.version}: tiered storage, shipped switched off until every consumer is ready`,
    },
    content(),
  );
  if (artifact.state === 'quarantined') await ctx.library.artifacts.approve(manager, artifact.id);
}

/**
 * Moves what the install phase of a rollout wrote `shiftMs` into the past (the rollout, its
 * waves, targets, steps and events, and the release's rollout start): the dormant story happened
 * over two days, and the demo plays it in a minute. Only the rollout's own rows: the audit trail
 * keeps the true time of every write (it is a hash chain, and the demo never rewrites it).
 */
async function backdate(ctx: DemoContext, rolloutId: number, releaseId: number, shiftMs: number): Promise<void> {
  const shift = (iso: string | null) => (iso === null ? null : new Date(Date.parse(iso) + shiftMs).toISOString());
  const db = ctx.database.db;
  await db.transaction().execute(async (tx) => {
    const rollout = await tx.selectFrom('rollouts').selectAll().where('id', '=', rolloutId).executeTakeFirstOrThrow();
    await tx
      .updateTable('rollouts')
      .set({
        created_at: shift(rollout.created_at) as string,
        updated_at: shift(rollout.updated_at) as string,
        started_at: shift(rollout.started_at),
      })
      .where('id', '=', rolloutId)
      .execute();
    for (const w of await tx.selectFrom('rollout_waves').selectAll().where('rollout_id', '=', rolloutId).execute()) {
      await tx
        .updateTable('rollout_waves')
        .set({
          started_at: shift(w.started_at),
          finished_at: shift(w.finished_at),
          bake_until: shift(w.bake_until),
          gate_passed_at: shift(w.gate_passed_at),
        })
        .where('id', '=', w.id)
        .execute();
    }
    for (const x of await tx.selectFrom('rollout_targets').selectAll().where('rollout_id', '=', rolloutId).execute()) {
      await tx
        .updateTable('rollout_targets')
        .set({ started_at: shift(x.started_at), finished_at: shift(x.finished_at) })
        .where('id', '=', x.id)
        .execute();
    }
    for (const x of await tx.selectFrom('rollout_steps').selectAll().where('rollout_id', '=', rolloutId).execute()) {
      await tx
        .updateTable('rollout_steps')
        .set({ started_at: shift(x.started_at) as string, finished_at: shift(x.finished_at) })
        .where('id', '=', x.id)
        .execute();
    }
    for (const e of await tx.selectFrom('rollout_events').selectAll().where('rollout_id', '=', rolloutId).execute()) {
      await tx
        .updateTable('rollout_events')
        .set({ at: shift(e.at) as string })
        .where('id', '=', e.id)
        .execute();
    }
    const release = await tx
      .selectFrom('releases')
      .select(['rollout_started_at'])
      .where('id', '=', releaseId)
      .executeTakeFirst();
    if (release?.rollout_started_at) {
      await tx
        .updateTable('releases')
        .set({ rollout_started_at: shift(release.rollout_started_at) })
        .where('id', '=', releaseId)
        .execute();
    }
  });
}

/** Sets the time of the newest activation request of a rollout (and its event) to `when`. */
async function backdateRequest(ctx: DemoContext, rolloutId: number, when: string): Promise<void> {
  const db = ctx.database.db;
  await db.transaction().execute(async (tx) => {
    const request = await tx
      .selectFrom('rollout_activations')
      .selectAll()
      .where('rollout_id', '=', rolloutId)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    await tx
      .updateTable('rollout_activations')
      .set({ requested_at: when, created_at: when, updated_at: when })
      .where('id', '=', request.id)
      .execute();
    await tx
      .updateTable('rollout_events')
      .set({ at: when })
      .where('rollout_id', '=', rolloutId)
      .where('type', '=', 'rollout.activation_requested')
      .execute();
  });
}

/**
 * Rollouts for the demo organisation, part of its first start (they run through the engine like
 * any other, in the background: the server is up meanwhile):
 *
 * - a **phased desktop rollout by site** (an agent update on the production desktops, a pilot of
 *   ten first, one wave per site) that completes; the CMDB then shows the new version installed;
 * - a **canary server rollout** whose canary fails (every step of the simulated executor fails)
 *   and backs itself out: the release ends `backed_out` with the reason;
 * - a **dormant messaging release** (Kafka 3.7.0 on the event brokers, its new feature shipped
 *   switched off): installed inactive yesterday evening, its activation requested that evening by
 *   a release manager (Sofia) and approved today by a change manager (Lars), then activated. The
 *   install phase is backdated by a day (see `backdate`), so the rollout's timeline and KPIs show
 *   the two days; the CMDB records the new version when the activation completes.
 *
 * Only next to the demo organisation (`--demo`), only once (no release of theirs yet), seeded last
 * so the background work does not slow the start; `SLIPWAY_DEMO_ROLLOUTS=0` leaves them out.
 * Failures are logged, never fatal.
 */
export async function seedRolloutDemo(ctx: DemoContext, log: FastifyBaseLogger): Promise<void> {
  if (process.env.SLIPWAY_DEMO_ROLLOUTS === '0') return;
  try {
    // Once: not when a release of the stories exists (the KPI history's rollouts do not count).
    const seeded = await ctx.database.db
      .selectFrom('releases')
      .select('id')
      .where('unit_name', 'in', [...ROLLOUT_DEMO_UNITS])
      .limit(1)
      .executeTakeFirst();
    if (seeded) return;
    // Only next to the demo library (the release demo's artifacts): never into an organisation's own data.
    if ((await ctx.library.artifacts.list({ name: 'windows_exporter', state: 'approved', limit: 1 })).length === 0)
      return;
    const ecab = [await demoPerson(ctx, DEMO_PEOPLE.ecabAnna), await demoPerson(ctx, DEMO_PEOPLE.ecabOmar)];
    const sofia = await demoPerson(ctx, DEMO_PEOPLE.sofia);
    const lars = await demoPerson(ctx, DEMO_PEOPLE.lars);
    const manager = await demoPerson(ctx, DEMO_PEOPLE.releaseManager);
    const start = (release: Release, body: Parameters<AppContext['rollouts']['rollouts']['create']>[2]) =>
      ctx.rollouts.rollouts.create(manager, release.id, body);

    void (async () => {
      const stories: string[] = [];
      await (async () => {
        const release = await emergencyRelease(ctx, manager, {
          element: 'desktop',
          unit: 'desktop-agent-windows_exporter',
          version: '0.25.1',
          title: 'windows_exporter 0.25.1 on every production desktop',
          product: 'windows_exporter',
          query: { class: 'desktop', environment: 'production' },
          scope: 'Every production desktop, one site at a time after an IT pilot',
        });
        if (!release) return;
        await authorise(ctx, release, manager, ecab);
        const rollout = await start(release, {
          environment: 'production',
          strategy: { kind: 'phased', waves: { by: 'attribute', attribute: 'site' }, pilot: { count: 10 } },
          executor: { kind: 'simulated', latencyMs: 40, jitterMs: 20, downtimeMs: 30_000 },
          defaults: { concurrency: 100 },
        });
        await until(ctx, rollout.id, ['completed', 'paused', 'failed', 'backed_out']);
        stories.push(`phased desktop rollout ${rollout.id}`);
      })().catch((error: unknown) =>
        log.warn({ err: error }, 'rollout demo: the phased desktop rollout stopped early'),
      );

      await (async () => {
        // Server releases need signed artifacts (policy signatures.requiredFor); the demo's are
        // unsigned, so the canary is the Redis servers' database release.
        const release = await emergencyRelease(ctx, manager, {
          element: 'database',
          unit: 'redis-cache',
          version: '7.2.4',
          title: 'Redis 7.2.4 on the production cache servers',
          product: 'Redis',
          query: { class: ['server', 'virtual_machine'], environment: 'production', installed: [{ product: 'Redis' }] },
          scope: 'The production hosts running Redis, one canary first',
        });
        if (!release) return;
        await authorise(ctx, release, manager, ecab);
        const rollout = await start(release, {
          environment: 'production',
          strategy: { kind: 'canary', canary: { count: 1 } },
          // The canaries crash on start-up: the wave fails its threshold and backs itself out.
          executor: { kind: 'simulated', latencyMs: 200, failureRate: 1 },
          defaults: { onFailure: 'backout', concurrency: 5 },
        });
        await until(ctx, rollout.id, ['backed_out', 'failed', 'completed', 'paused']);
        stories.push(`canary server rollout ${rollout.id}`);
      })().catch((error: unknown) => log.warn({ err: error }, 'rollout demo: the canary rollout stopped early'));

      await (async () => {
        await kafkaArtifact(ctx, manager);
        const now = ctx.clock.now().getTime();
        // Installed yesterday evening (a day and an hour before now, on the hour) …
        const installedAt = Math.floor((now - DAY_MS - HOUR_MS) / HOUR_MS) * HOUR_MS;
        const release = await emergencyRelease(ctx, manager, {
          element: 'messaging',
          unit: 'kafka-events',
          version: KAFKA.version,
          title: `${KAFKA.product} ${KAFKA.version} on the event brokers, tiered storage off until activated`,
          product: KAFKA.product,
          artifactVersion: KAFKA.version,
          query: {
            class: ['server', 'virtual_machine'],
            environment: 'production',
            installed: [{ product: KAFKA.product, version: `<${KAFKA.version}` }],
          },
          scope: `The production brokers on ${KAFKA.product} ${KAFKA.from}: installed dormant, activated once every consumer runs the 3.7 client`,
          window: { start: new Date(installedAt).toISOString(), end: new Date(now + 3 * HOUR_MS).toISOString() },
        });
        if (!release) return;
        await authorise(ctx, release, manager, ecab);
        const rollout = await start(release, {
          environment: 'production',
          strategy: { kind: 'dormant' },
          executor: { kind: 'simulated', latencyMs: 150 },
          defaults: { concurrency: 5 },
        });
        await until(ctx, rollout.id, ['dormant']);
        const installed = await ctx.rollouts.rollouts.get(rollout.id);
        await backdate(ctx, rollout.id, release.id, installedAt - Date.parse(installed.createdAt));
        // … its activation asked for that evening by one release manager, approved today by a change manager.
        await ctx.rollouts.activations.request(sofia, rollout.id, {
          note: 'Every consumer runs the 3.7 client since this afternoon: switch tiered storage on',
        });
        await backdateRequest(ctx, rollout.id, new Date(installedAt + 2 * HOUR_MS).toISOString());
        await ctx.rollouts.activations.approve(lars, rollout.id, { note: 'Consumer upgrade verified; go' });
        await until(ctx, rollout.id, ['completed', 'paused', 'failed']);
        stories.push(`dormant messaging rollout ${rollout.id}`);
      })().catch((error: unknown) =>
        log.warn({ err: error }, 'rollout demo: the dormant messaging rollout stopped early'),
      );
      log.info({ rollouts: stories }, 'rollout demo seeded');
    })();
  } catch (error) {
    log.error({ err: error }, 'seeding the rollout demo failed; starting without it');
  }
}
