import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';
import { type ExecutorSpec, type PlanTarget, placeholderValues, renderTemplate, type StepAction } from '@slipway/model';
import type { Kysely } from 'kysely';
import type { Database } from '../platform/database-schema.js';
import { InputError } from '../platform/errors.js';
import type { OutboundClient } from '../platform/outbound/outbound-client.js';
import { OutboundRefusedError } from '../platform/outbound/outbound-policy.js';
import { SIGNATURE_HEADER, signatureHeader } from '../platform/webhooks/webhook-signature.js';

/** What an executor is asked to do: one action on one target, with the key that makes a repeat harmless. */
export interface StepRequest {
  rolloutId: number;
  releaseId: number;
  environment: string;
  action: StepAction;
  /** The same for every attempt of this step (a re-run after a crash carries it again). */
  idempotencyKey: string;
  /** 1 for the first executor call of this step. */
  attempt: number;
  target: PlanTarget;
  release: {
    id: number;
    unit: string;
    version: string;
    artifacts: { name: string; version: string; sha256: string }[];
  };
  /** Back-out only: the class's general procedure and the release's own steps, in order. */
  procedures: { source: string; text: string }[];
}

export interface StepOutcome {
  ok: boolean;
  exitCode: number | null;
  /** At most MAX_OUTPUT characters. */
  output: string;
  error: string | null;
  /** How long the target was unavailable (reported by the executor; 0 when unknown). */
  downtimeMs: number;
  /** What the executor found on the target afterwards (installed software…), for verification. */
  facts: Record<string, unknown> | null;
  /** Manual steps: nothing happened yet, a person confirms later. */
  pending?: boolean;
}

export interface StepExecutor {
  execute(request: StepRequest): Promise<StepOutcome>;
}

export const MAX_OUTPUT = 64 * 1024;
const DEFAULT_COMMAND_TIMEOUT_MS = 10 * 60_000;
const DEFAULT_WEBHOOK_TIMEOUT_MS = 30_000;

function outcome(ok: boolean, fields: Partial<StepOutcome> = {}): StepOutcome {
  return { ok, exitCode: null, output: '', error: null, downtimeMs: 0, facts: null, ...fields };
}

/** A number in [0, 1) from a key: the simulated executor's "random" is a function of the step, so a re-run behaves the same. */
function unitHash(key: string): number {
  return crypto.createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

/**
 * For demos, tests and the benchmark: waits `latencyMs` (± `jitterMs`) and fails a share
 * `failureRate` of steps, or every step on `failCis`. Deterministic per idempotency key, so a
 * step re-run after a crash has the same outcome. Back-out steps never fail (unless on failCis
 * with failureRate 1): a demo back-out succeeds.
 */
export class SimulatedExecutor implements StepExecutor {
  constructor(
    private readonly spec: Extract<ExecutorSpec, { kind: 'simulated' }>,
    private readonly onCall?: (request: StepRequest) => void,
  ) {}

  async execute(request: StepRequest): Promise<StepOutcome> {
    this.onCall?.(request);
    const h = unitHash(request.idempotencyKey);
    const latency = Math.max(0, (this.spec.latencyMs ?? 50) + (h * 2 - 1) * (this.spec.jitterMs ?? 0));
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    const forward = request.action !== 'backout';
    const failing =
      forward &&
      ((this.spec.failCis ?? []).includes(request.target.id) ||
        unitHash(`${request.idempotencyKey}:fail`) < (this.spec.failureRate ?? 0));
    if (failing)
      return outcome(false, { exitCode: 1, error: `simulated failure of ${request.action} on ${request.target.name}` });
    const installed =
      request.action === 'backout'
        ? []
        : request.release.artifacts.map((a) => ({ product: a.name, version: a.version }));
    return outcome(true, {
      exitCode: 0,
      output: `simulated ${request.action} of ${request.release.unit} ${request.release.version} on ${request.target.name}`,
      downtimeMs: forward ? (this.spec.downtimeMs ?? 0) : 0,
      facts: { installed },
    });
  }
}

/** A person does the step and confirms it (API, CLI or UI); the engine waits without holding a slot. */
export class ManualExecutor implements StepExecutor {
  async execute(): Promise<StepOutcome> {
    return outcome(false, { pending: true });
  }
}

/**
 * Runs allow-listed executables with an argv (never a shell): the admin's allow-list of absolute
 * paths is read before every run, so removing an entry stops it at once. Output is capped, a
 * deadline kills the process, the idempotency key is in the environment.
 */
export class CommandRunner {
  constructor(private readonly db: Kysely<Database>) {}

  async allowed(): Promise<Set<string>> {
    const rows = await this.db.selectFrom('rollout_executables').select('path').execute();
    return new Set(rows.map((r) => r.path));
  }

  /** 400 unless `argv[0]` is an absolute path on the allow-list with no placeholder in it. */
  async check(argv: readonly string[], field: string): Promise<void> {
    const program = argv[0];
    if (!program) throw new InputError(`${field}: argv must name a program`, { field });
    if (program.includes('{')) throw new InputError(`${field}: the program may not contain placeholders`, { field });
    if (!path.isAbsolute(program) || path.normalize(program) !== program) {
      throw new InputError(`${field}: the program must be an absolute, normalised path`, { field });
    }
    if (!(await this.allowed()).has(program)) {
      throw new InputError(
        `${field}: ${program} is not on the executables allow-list (an admin adds it under /api/v1/rollout-executables)`,
        { field, rule: 'rollout.executable_allow_list', program },
      );
    }
  }

  async run(
    argv: readonly string[],
    options: { timeoutMs: number; env?: Record<string, string> },
  ): Promise<{ exitCode: number | null; output: string; error: string | null }> {
    const program = argv[0] as string;
    // Checked again at run time: the list may have changed since the rollout was created.
    if (!(await this.allowed()).has(program)) {
      return { exitCode: null, output: '', error: `${program} is no longer on the executables allow-list` };
    }
    return new Promise((resolve) => {
      let output = '';
      let settled = false;
      const child = spawn(program, argv.slice(1), {
        shell: false,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
      });
      const collect = (chunk: Buffer) => {
        if (output.length < MAX_OUTPUT) output = (output + chunk.toString('utf8')).slice(0, MAX_OUTPUT);
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        finish(null, `timed out after ${options.timeoutMs} ms`);
      }, options.timeoutMs);
      const finish = (exitCode: number | null, error: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ exitCode, output, error });
      };
      child.on('error', (error) => finish(null, error.message));
      child.on('close', (code, signal) =>
        finish(code, code === 0 ? null : signal ? `killed by ${signal}` : `exit code ${String(code)}`),
      );
    });
  }
}

/** The step's own placeholder values; `placeholderValues` adds the target's `ci.*`. */
export function templateContext(request: StepRequest): Record<string, string> {
  return {
    'release.id': String(request.release.id),
    'release.unit': request.release.unit,
    'release.version': request.release.version,
    'rollout.id': String(request.rolloutId),
    environment: request.environment,
    action: request.action,
    idempotencyKey: request.idempotencyKey,
  };
}

/** Renders an argv template for a target: each element separately, so a value never becomes a second argument. */
export function renderArgv(argv: readonly string[], target: PlanTarget, context: Record<string, string>): string[] {
  const values = placeholderValues(target, context);
  return argv.map((part) => renderTemplate(part, values));
}

export class CommandExecutor implements StepExecutor {
  constructor(
    private readonly spec: Extract<ExecutorSpec, { kind: 'command' }>,
    private readonly runner: CommandRunner,
  ) {}

  async execute(request: StepRequest): Promise<StepOutcome> {
    const template = request.action === 'backout' && this.spec.backoutArgv ? this.spec.backoutArgv : this.spec.argv;
    let argv: string[];
    try {
      argv = renderArgv(template, request.target, templateContext(request));
    } catch (error) {
      return outcome(false, { error: error instanceof Error ? error.message : String(error) });
    }
    const started = Date.now();
    const result = await this.runner.run(argv, {
      timeoutMs: this.spec.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      env: {
        SLIPWAY_IDEMPOTENCY_KEY: request.idempotencyKey,
        SLIPWAY_ACTION: request.action,
        SLIPWAY_ATTEMPT: String(request.attempt),
      },
    });
    return outcome(result.exitCode === 0, {
      exitCode: result.exitCode,
      output: result.output,
      error: result.error,
      downtimeMs: request.action === 'backout' ? 0 : Date.now() - started,
    });
  }
}

/**
 * POSTs the step as JSON, HMAC-signed like Slipway's webhooks (`Slipway-Signature`), with the
 * idempotency key in `Idempotency-Key`, through the SSRF-guarded outbound client. Retries network
 * failures and 5xx answers with a short backoff; a 4xx is the receiver's verdict and final.
 * A 2xx answer may carry `{ "downtimeMs": n, "facts": {...}, "output": "..." }`.
 */
export class WebhookExecutor implements StepExecutor {
  constructor(
    private readonly spec: Extract<ExecutorSpec, { kind: 'webhook' }> & { secret: string },
    private readonly outbound: OutboundClient,
    private readonly nowSeconds: () => number,
  ) {}

  async execute(request: StepRequest): Promise<StepOutcome> {
    let url: string;
    try {
      url = renderTemplate(this.spec.url, placeholderValues(request.target, templateContext(request)));
    } catch (error) {
      return outcome(false, { error: error instanceof Error ? error.message : String(error) });
    }
    const body = JSON.stringify({
      idempotencyKey: request.idempotencyKey,
      attempt: request.attempt,
      rolloutId: request.rolloutId,
      environment: request.environment,
      action: request.action,
      target: request.target,
      release: request.release,
      procedures: request.procedures,
    });
    const retries = this.spec.retries ?? 2;
    let last = 'no attempt made';
    for (let i = 0; i <= retries; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** (i - 1)));
      try {
        const response = await this.outbound.request({
          url,
          method: 'POST',
          body,
          timeoutMs: this.spec.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS,
          headers: {
            'content-type': 'application/json',
            'idempotency-key': request.idempotencyKey,
            [SIGNATURE_HEADER]: signatureHeader(this.spec.secret, body, this.nowSeconds()),
          },
        });
        const text = response.body.toString('utf8').slice(0, MAX_OUTPUT);
        if (response.status >= 200 && response.status < 300) {
          let parsed: { downtimeMs?: unknown; facts?: unknown; output?: unknown } = {};
          try {
            parsed = text ? (JSON.parse(text) as typeof parsed) : {};
          } catch {
            parsed = {};
          }
          return outcome(true, {
            exitCode: response.status,
            output: typeof parsed.output === 'string' ? parsed.output.slice(0, MAX_OUTPUT) : text,
            downtimeMs:
              typeof parsed.downtimeMs === 'number' && parsed.downtimeMs >= 0 ? Math.round(parsed.downtimeMs) : 0,
            facts: parsed.facts && typeof parsed.facts === 'object' ? (parsed.facts as Record<string, unknown>) : null,
          });
        }
        last = `HTTP ${response.status}`;
        if (response.status < 500) return outcome(false, { exitCode: response.status, output: text, error: last });
      } catch (error) {
        if (error instanceof OutboundRefusedError) return outcome(false, { error: `refused: ${error.message}` });
        last = error instanceof Error ? error.message : String(error);
      }
    }
    return outcome(false, { error: `${last} (after ${retries + 1} attempts)` });
  }
}
