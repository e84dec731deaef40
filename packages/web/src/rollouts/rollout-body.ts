import { fromLocalInput } from '../changes/local-time.js';
import type { NewRollout } from './rollouts-api.js';

// The start form's fields and how they become the body of POST /releases/{id}/rollouts (pure).

export type StrategyKind = 'default' | 'big_bang' | 'phased' | 'canary' | 'staging' | 'dormant';
export type ExecutorKind = 'simulated' | 'command' | 'webhook' | 'manual';

export const STRATEGIES: [StrategyKind, string][] = [
  ['default', "The release's own strategy"],
  ['big_bang', 'Big bang (one wave)'],
  ['phased', 'Phased'],
  ['canary', 'Canary first'],
  ['staging', 'Staging (blue-green)'],
  ['dormant', 'Dormant (activate later)'],
];

export const initialRolloutForm = {
  environment: 'production',
  strategy: 'default' as StrategyKind,
  phasedBy: 'percentages' as 'percentages' | 'attribute',
  percentages: '10, 30, 60',
  attribute: 'site',
  pilot: '',
  canary: '1',
  executor: 'simulated' as ExecutorKind,
  latencyMs: '200',
  failureRate: '0',
  argv: '',
  url: '',
  secret: '',
  instructions: '',
  concurrency: '10',
  bakeSeconds: '0',
  thresholdPercent: '',
  onFailure: 'pause' as 'pause' | 'backout',
  manualGate: false,
  gatePrompt: '',
  httpGate: '',
  scheduledAt: '',
};
export type RolloutFormValues = typeof initialRolloutForm;

/** Numbers from a comma-separated field ("10, 30, 60"); anything unreadable is left to the server to refuse. */
function numbers(text: string): number[] {
  return text
    .split(/[,\s]+/)
    .filter(Boolean)
    .map(Number);
}

/** The request body from the form's fields; empty optional fields are left out so the server's defaults apply. */
export function rolloutBody(values: RolloutFormValues): NewRollout {
  const strategy: NewRollout['strategy'] | undefined =
    values.strategy === 'default'
      ? undefined
      : values.strategy === 'phased'
        ? {
            kind: 'phased',
            waves:
              values.phasedBy === 'percentages'
                ? { by: 'percentages', percentages: numbers(values.percentages) }
                : { by: 'attribute', attribute: values.attribute.trim() },
            ...(values.pilot.trim() && { pilot: { count: Number(values.pilot) } }),
          }
        : values.strategy === 'canary'
          ? { kind: 'canary', canary: { count: Number(values.canary) } }
          : { kind: values.strategy };
  const executor: NewRollout['executor'] =
    values.executor === 'simulated'
      ? { kind: 'simulated', latencyMs: Number(values.latencyMs), failureRate: Number(values.failureRate) }
      : values.executor === 'command'
        ? { kind: 'command', argv: values.argv.split('\n').filter((line) => line.trim() !== '') }
        : values.executor === 'webhook'
          ? { kind: 'webhook', url: values.url.trim(), secret: values.secret }
          : { kind: 'manual', ...(values.instructions.trim() && { instructions: values.instructions }) };
  const gates: NonNullable<NonNullable<NewRollout['defaults']>['gates']> = [];
  if (values.httpGate.trim()) gates.push({ kind: 'http', url: values.httpGate.trim() });
  if (values.manualGate) gates.push({ kind: 'manual', ...(values.gatePrompt.trim() && { prompt: values.gatePrompt }) });
  const scheduledAt = fromLocalInput(values.scheduledAt);
  return {
    environment: values.environment,
    ...(strategy && { strategy }),
    executor,
    defaults: {
      concurrency: Number(values.concurrency),
      bakeMs: Math.round(Number(values.bakeSeconds) * 1000),
      gates,
      onFailure: values.onFailure,
      ...(values.thresholdPercent.trim() && { failureThreshold: { percent: Number(values.thresholdPercent) } }),
    },
    ...(scheduledAt && { scheduledAt }),
  };
}
