import { describe, expect, it } from 'vitest';
import { initialRolloutForm, rolloutBody } from './rollout-body.js';

describe('the start form as a rollout request', () => {
  it('leaves the strategy to the release and sends the defaults of every wave', () => {
    expect(rolloutBody(initialRolloutForm)).toEqual({
      environment: 'production',
      executor: { kind: 'simulated', latencyMs: 200, failureRate: 0 },
      defaults: { concurrency: 10, bakeMs: 0, gates: [], onFailure: 'pause' },
    });
  });

  it('builds a phased strategy by percentages with a pilot, gates and a threshold', () => {
    const body = rolloutBody({
      ...initialRolloutForm,
      strategy: 'phased',
      percentages: '10, 30 60',
      pilot: '5',
      bakeSeconds: '1.5',
      thresholdPercent: '2',
      onFailure: 'backout',
      httpGate: ' https://status.example.com/health/{ci.site} ',
      manualGate: true,
      gatePrompt: 'Pilot users OK?',
    });
    expect(body.strategy).toEqual({
      kind: 'phased',
      waves: { by: 'percentages', percentages: [10, 30, 60] },
      pilot: { count: 5 },
    });
    expect(body.defaults).toEqual({
      concurrency: 10,
      bakeMs: 1500,
      onFailure: 'backout',
      failureThreshold: { percent: 2 },
      gates: [
        { kind: 'http', url: 'https://status.example.com/health/{ci.site}' },
        { kind: 'manual', prompt: 'Pilot users OK?' },
      ],
    });
  });

  it('builds the other strategies and executors', () => {
    expect(
      rolloutBody({ ...initialRolloutForm, strategy: 'phased', phasedBy: 'attribute', attribute: ' site ' }).strategy,
    ).toEqual({ kind: 'phased', waves: { by: 'attribute', attribute: 'site' } });
    expect(rolloutBody({ ...initialRolloutForm, strategy: 'canary', canary: '3' }).strategy).toEqual({
      kind: 'canary',
      canary: { count: 3 },
    });
    expect(rolloutBody({ ...initialRolloutForm, strategy: 'dormant' }).strategy).toEqual({ kind: 'dormant' });
    expect(
      rolloutBody({ ...initialRolloutForm, executor: 'command', argv: '/opt/deploy/install.sh\n{ci.name}\n\n' })
        .executor,
    ).toEqual({ kind: 'command', argv: ['/opt/deploy/install.sh', '{ci.name}'] });
    expect(rolloutBody({ ...initialRolloutForm, executor: 'manual', instructions: '  ' }).executor).toEqual({
      kind: 'manual',
    });
  });

  it('sends a start time only when one is given', () => {
    const body = rolloutBody({ ...initialRolloutForm, scheduledAt: '2026-12-05T22:00' });
    expect(body.scheduledAt).toBe(new Date('2026-12-05T22:00').toISOString());
  });
});
