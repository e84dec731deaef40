import {
  type HealthGate,
  type PlanTarget,
  placeholderValues,
  renderTemplate,
  templatePlaceholders,
} from '@slipway/model';
import type { OutboundClient } from '../platform/outbound/outbound-client.js';
import type { CommandRunner } from './executors.js';

export interface GateCheckResult {
  gate: HealthGate['kind'];
  ok: boolean;
  detail: string;
}

export interface GateOutcome {
  /** Every automatic gate passed and every manual one was confirmed. */
  passed: boolean;
  /** A manual gate waits for a person (nothing failed so far). */
  pending: boolean;
  results: GateCheckResult[];
}

const PARALLEL_CHECKS = 10;

/**
 * Runs a wave's health gates after its bake time. HTTP gates go through the SSRF-guarded
 * outbound client (allow-listed hosts only); a URL with `{ci.*}` placeholders is checked once per
 * target of the wave, otherwise once. Command gates run allow-listed executables (exit 0 passes).
 * Manual gates pass only with a person's verdict.
 */
export class GateRunner {
  constructor(
    private readonly outbound: OutboundClient,
    private readonly commands: CommandRunner,
  ) {}

  async run(
    gates: readonly HealthGate[],
    targets: readonly PlanTarget[],
    context: Record<string, string>,
    manualVerdict: 'passed' | 'failed' | undefined,
  ): Promise<GateOutcome> {
    const results: GateCheckResult[] = [];
    let pending = false;
    for (const gate of gates) {
      switch (gate.kind) {
        case 'http':
          results.push(await this.#http(gate, targets, context));
          break;
        case 'command': {
          const result = await this.commands.run(gate.argv, { timeoutMs: gate.timeoutMs ?? 60_000 });
          results.push({
            gate: 'command',
            ok: result.exitCode === 0,
            detail: `${gate.argv.join(' ')}: ${result.error ?? 'exit code 0'}${result.output ? ` — ${result.output.slice(0, 500)}` : ''}`,
          });
          break;
        }
        case 'manual':
          if (manualVerdict === undefined) {
            pending = true;
            results.push({ gate: 'manual', ok: false, detail: gate.prompt ?? 'waiting for a person to confirm' });
          } else {
            results.push({ gate: 'manual', ok: manualVerdict === 'passed', detail: `confirmed: ${manualVerdict}` });
          }
          break;
      }
      if (results.at(-1)?.ok === false && !pending) return { passed: false, pending: false, results };
    }
    return { passed: !pending && results.every((r) => r.ok), pending, results };
  }

  async #http(
    gate: Extract<HealthGate, { kind: 'http' }>,
    targets: readonly PlanTarget[],
    context: Record<string, string>,
  ): Promise<GateCheckResult> {
    const perTarget = templatePlaceholders(gate.url).some((p) => p.startsWith('ci.'));
    const urls = perTarget
      ? targets.map((t) => renderTemplate(gate.url, placeholderValues(t, context)))
      : [renderTemplate(gate.url, context)];
    const failures: string[] = [];
    for (let i = 0; i < urls.length; i += PARALLEL_CHECKS) {
      await Promise.all(
        urls.slice(i, i + PARALLEL_CHECKS).map(async (url) => {
          try {
            const response = await this.outbound.request({ url, method: 'GET', timeoutMs: gate.timeoutMs ?? 10_000 });
            const ok = gate.expectStatus
              ? response.status === gate.expectStatus
              : response.status >= 200 && response.status < 300;
            if (!ok) failures.push(`${url}: HTTP ${response.status}`);
          } catch (error) {
            failures.push(`${url}: ${error instanceof Error ? error.message : String(error)}`);
          }
        }),
      );
    }
    return {
      gate: 'http',
      ok: failures.length === 0,
      detail:
        failures.length === 0
          ? `${urls.length} check(s) healthy`
          : `${failures.length} of ${urls.length} unhealthy: ${failures.slice(0, 5).join('; ')}`,
    };
  }
}
