import { type FormEvent, type ReactNode, useState } from 'react';
import { useNavigate } from 'react-router';
import type { Release } from '../api/types.js';
import { ErrorNotice } from '../components/error-notice.js';
import { ViolationDetails } from '../releases/release-actions.js';
import { useSession } from '../session/session-context.js';
import { rolloutPath } from './rollout-badges.js';
import {
  initialRolloutForm as initial,
  rolloutBody,
  STRATEGIES,
  type RolloutFormValues as Values,
} from './rollout-body.js';

function Field({ id, label, children }: { id: string; label: string; children: (id: string) => ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id)}
    </div>
  );
}

/**
 * Starts (or schedules) a rollout of an approved release. The server runs every pre-start check;
 * a refusal (422 with the unmet rules, 409 for a rollout already active there, 400 for a bad
 * strategy or executor) is shown as it answers.
 */
export function StartRolloutForm({ release, environments }: { release: Release; environments: string[] }) {
  const { api } = useSession();
  const navigate = useNavigate();
  const [values, setValues] = useState<Values>(() => ({
    ...initial,
    environment: environments.includes('production') ? 'production' : (environments[0] ?? 'production'),
  }));
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const set =
    <K extends keyof Values>(key: K) =>
    (value: Values[K]) =>
      setValues((current) => ({ ...current, [key]: value }));
  const text = (key: keyof Values) => ({
    value: values[key] as string,
    onChange: (event: { target: { value: string } }) => set(key)(event.target.value as never),
  });

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const rollout = await api.rollouts.start(release.id, rolloutBody(values));
      navigate(rolloutPath(rollout.id));
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  }

  return (
    <form className="form rollout-form" onSubmit={submit} aria-label="Start rollout">
      <h3>Start a rollout</h3>
      <fieldset>
        <legend>Where and how</legend>
        <div className="inline-fields">
          <Field id="rollout-environment" label="Environment">
            {(id) => (
              <select id={id} {...text('environment')}>
                {environments.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field id="rollout-strategy" label="Strategy">
            {(id) => (
              <select id={id} {...text('strategy')}>
                {STRATEGIES.map(([kind, label]) => (
                  <option key={kind} value={kind}>
                    {label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {values.strategy === 'phased' && (
            <>
              <Field id="rollout-phased-by" label="Waves by">
                {(id) => (
                  <select id={id} {...text('phasedBy')}>
                    <option value="percentages">percentages</option>
                    <option value="attribute">CI attribute</option>
                  </select>
                )}
              </Field>
              {values.phasedBy === 'percentages' ? (
                <Field id="rollout-percentages" label="Wave shares (%)">
                  {(id) => <input id={id} {...text('percentages')} />}
                </Field>
              ) : (
                <Field id="rollout-attribute" label="Attribute">
                  {(id) => <input id={id} {...text('attribute')} />}
                </Field>
              )}
              <Field id="rollout-pilot" label="Pilot targets">
                {(id) => <input id={id} type="number" min={1} {...text('pilot')} />}
              </Field>
            </>
          )}
          {values.strategy === 'canary' && (
            <Field id="rollout-canary" label="Canary targets">
              {(id) => <input id={id} type="number" min={1} {...text('canary')} />}
            </Field>
          )}
          <Field id="rollout-scheduled" label="Start at (empty: now)">
            {(id) => <input id={id} type="datetime-local" {...text('scheduledAt')} />}
          </Field>
        </div>
      </fieldset>
      <fieldset>
        <legend>Executor</legend>
        <div className="inline-fields">
          <Field id="rollout-executor" label="Executor">
            {(id) => (
              <select id={id} {...text('executor')}>
                <option value="simulated">simulated</option>
                <option value="command">command</option>
                <option value="webhook">webhook</option>
                <option value="manual">manual</option>
              </select>
            )}
          </Field>
          {values.executor === 'simulated' && (
            <>
              <Field id="rollout-latency" label="Latency per step (ms)">
                {(id) => <input id={id} type="number" min={0} {...text('latencyMs')} />}
              </Field>
              <Field id="rollout-failure-rate" label="Failure rate (0–1)">
                {(id) => <input id={id} type="number" min={0} max={1} step={0.01} {...text('failureRate')} />}
              </Field>
            </>
          )}
          {values.executor === 'command' && (
            <Field id="rollout-argv" label="Program and arguments (one per line)">
              {(id) => <textarea id={id} rows={3} {...text('argv')} />}
            </Field>
          )}
          {values.executor === 'webhook' && (
            <>
              <Field id="rollout-url" label="Webhook URL">
                {(id) => <input id={id} type="url" {...text('url')} />}
              </Field>
              <Field id="rollout-secret" label="Signing secret">
                {(id) => <input id={id} type="password" autoComplete="off" {...text('secret')} />}
              </Field>
            </>
          )}
          {values.executor === 'manual' && (
            <Field id="rollout-instructions" label="Instructions">
              {(id) => <textarea id={id} rows={3} {...text('instructions')} />}
            </Field>
          )}
        </div>
      </fieldset>
      <fieldset>
        <legend>Every wave</legend>
        <div className="inline-fields">
          <Field id="rollout-concurrency" label="Concurrency">
            {(id) => <input id={id} type="number" min={1} required {...text('concurrency')} />}
          </Field>
          <Field id="rollout-bake" label="Bake time (s)">
            {(id) => <input id={id} type="number" min={0} required {...text('bakeSeconds')} />}
          </Field>
          <Field id="rollout-threshold" label="Failure threshold (%)">
            {(id) => (
              <input id={id} type="number" min={0} max={100} placeholder="none fail" {...text('thresholdPercent')} />
            )}
          </Field>
          <Field id="rollout-on-failure" label="On failure">
            {(id) => (
              <select id={id} {...text('onFailure')}>
                <option value="pause">pause</option>
                <option value="backout">back out</option>
              </select>
            )}
          </Field>
          <Field id="rollout-http-gate" label="HTTP health gate URL">
            {(id) => <input id={id} type="url" {...text('httpGate')} />}
          </Field>
        </div>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={values.manualGate}
            onChange={(event) => set('manualGate')(event.target.checked)}
          />
          Manual gate after each wave
        </label>
        {values.manualGate && (
          <Field id="rollout-gate-prompt" label="Gate question">
            {(id) => <input id={id} {...text('gatePrompt')} />}
          </Field>
        )}
      </fieldset>
      <ErrorNotice error={error} />
      <ViolationDetails error={error} />
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Starting…' : 'Start rollout'}
        </button>
      </div>
    </form>
  );
}
