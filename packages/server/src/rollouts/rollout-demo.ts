import type { Role } from '@slipway/model';
import type { FastifyBaseLogger } from 'fastify';
import { type Actor, systemActor } from '../platform/actor.js';
import type { AppContext } from '../platform/context.js';
import type { Release } from '../releases/release.service.js';
import type { Rollout } from './rollout.service.js';

type DemoContext = Pick<AppContext, 'releases' | 'rollouts' | 'users' | 'changes' | 'library' | 'clock'>;

const DAY_MS = 86_400_000;
const WAIT_MS = 10 * 60_000;

function at(base: number, days: number, hour: number): string {
  const d = new Date(base + days * DAY_MS);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
}

/** An ECAB member of the demo: an account without password or token (an admin gives it one to sign in). */
async function demoApprover(ctx: DemoContext, username: string, roles: Role[]): Promise<Actor> {
  const { user } = await ctx.users.create(systemActor('demo'), { username, roles, password: null });
  return { userId: user.id, username, roles, requestId: null, via: 'system' };
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
async function authorise(ctx: DemoContext, release: Release, ecab: Actor[]): Promise<void> {
  const manager = systemActor('demo-release-manager');
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
  input: {
    element: string;
    unit: string;
    version: string;
    title: string;
    product: string;
    query: Record<string, unknown>;
    scope: string;
  },
): Promise<Release | undefined> {
  const manager = systemActor('demo-release-manager');
  const artifact = (await ctx.library.artifacts.list({ name: input.product, state: 'approved', limit: 50 }))[0];
  if (!artifact) return undefined;
  const now = ctx.clock.now().getTime();
  const release = await ctx.releases.releases.create(manager, {
    type: 'emergency',
    element: input.element as Release['element'],
    unit: input.unit,
    releaseVersion: input.version,
    title: input.title,
    plannedStart: at(now, 1, 20),
    plannedEnd: at(now, 1, 23),
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

/**
 * Rollouts for the demo organisation, started in the background after the release demo (they
 * run through the engine like any other):
 *
 * - a **phased desktop rollout by site** (an agent update on the production desktops, a pilot of
 *   ten first, one wave per site) that completes; the CMDB then shows the new version installed;
 * - a **canary server rollout** whose canary fails (every step of the simulated executor fails)
 *   and backs itself out: the release ends `backed_out` with the reason;
 * - the demo's **emergency messaging release** (RabbitMQ), approved by the ECAB, installed
 *   **dormant** on the brokers and then activated.
 *
 * Only with SLIPWAY_DEMO_ROLLOUTS=1 (next to `--demo`), only once (no rollout yet) and only when
 * the release demo seeded its emergency release; failures are logged, never fatal.
 */
export async function seedRolloutDemo(ctx: DemoContext, log: FastifyBaseLogger): Promise<void> {
  // Opt-in: the release demo's walkthrough (and its tests) start from the emergency release still
  // waiting for the ECAB, which this demo approves and rolls out.
  if (process.env.SLIPWAY_DEMO_ROLLOUTS !== '1') return;
  try {
    if ((await ctx.rollouts.rollouts.list({ limit: 1 })).length > 0) return;
    const rabbit = (await ctx.releases.releases.list({ limit: 50 })).find(
      (r) => r.type === 'emergency' && r.element === 'messaging',
    );
    if (!rabbit) return;
    const ecab = [
      await demoApprover(ctx, 'demo-ecab-anna', ['cab_member']),
      await demoApprover(ctx, 'demo-ecab-omar', ['cab_member']),
    ];
    const manager = systemActor('demo-release-manager');
    const start = (release: Release, body: Parameters<AppContext['rollouts']['rollouts']['create']>[2]) =>
      ctx.rollouts.rollouts.create(manager, release.id, body);

    void (async () => {
      const stories: string[] = [];
      await (async () => {
        const release = await emergencyRelease(ctx, {
          element: 'desktop',
          unit: 'desktop-agent-windows_exporter',
          version: '0.25.1',
          title: 'windows_exporter 0.25.1 on every production desktop',
          product: 'windows_exporter',
          query: { class: 'desktop', environment: 'production' },
          scope: 'Every production desktop, one site at a time after an IT pilot',
        });
        if (!release) return;
        await authorise(ctx, release, ecab);
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
        const release = await emergencyRelease(ctx, {
          element: 'database',
          unit: 'redis-cache',
          version: '7.2.4',
          title: 'Redis 7.2.4 on the production cache servers',
          product: 'Redis',
          query: { class: ['server', 'virtual_machine'], environment: 'production', installed: [{ product: 'Redis' }] },
          scope: 'The production hosts running Redis, one canary first',
        });
        if (!release) return;
        await authorise(ctx, release, ecab);
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
        const release = await ctx.releases.releases.get(rabbit.id);
        await authorise(ctx, release, ecab);
        const rollout = await start(release, {
          environment: 'production',
          strategy: { kind: 'dormant' },
          executor: { kind: 'simulated', latencyMs: 150 },
          defaults: { concurrency: 5 },
        });
        await until(ctx, rollout.id, ['dormant']);
        await ctx.rollouts.rollouts.activate(manager, rollout.id);
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
