import { TEST_OUTCOMES, TEST_PROTOCOLS, type TestProtocol } from '@slipway/model';
import { type FormEvent, useState } from 'react';
import type { Release, ReleaseEnvironment, ReleaseTest } from '../api/types.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useSession } from '../session/session-context.js';

function Evidence({ test }: { test: ReleaseTest }) {
  const { evidence } = test;
  if (evidence.file) {
    return (
      <a href={evidence.file.downloadUrl} download>
        {evidence.file.name}
      </a>
    );
  }
  if (evidence.url) {
    return (
      <a href={evidence.url} target="_blank" rel="noreferrer">
        evidence
      </a>
    );
  }
  if (evidence.junit) return <span>{`${evidence.junit.passed}/${evidence.junit.tests} JUnit`}</span>;
  return evidence.text ? <span title={evidence.text}>note</span> : null;
}

/**
 * The test matrix: protocols down, environments across. Each cell shows the current result (the
 * one the gates read) with its evidence, or that the policy requires a test there.
 */
export function TestMatrix({
  release,
  tests,
  environments,
  onRecorded,
}: {
  release: Release;
  tests: ReleaseTest[];
  environments: ReleaseEnvironment[];
  onRecorded: () => void;
}) {
  const { can } = useSession();
  const envNames = environments.map((environment) => environment.name);
  const required = (environment: string, protocol: TestProtocol) =>
    (release.requiredTests[environment] ?? []).includes(protocol);
  const current = new Map(
    tests.filter((test) => test.current).map((test) => [`${test.environment}/${test.protocol}`, test]),
  );
  const rows = TEST_PROTOCOLS.filter(
    (protocol) => envNames.some((env) => required(env, protocol)) || tests.some((test) => test.protocol === protocol),
  );
  return (
    <div data-testid="test-matrix">
      <div className="table-wrap">
        <table className="matrix">
          <caption className="visually-hidden">Tests by protocol and environment</caption>
          <thead>
            <tr>
              <th scope="col">Protocol</th>
              {envNames.map((env) => (
                <th key={env} scope="col">
                  {env}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr>
                <td colSpan={envNames.length + 1} className="empty">
                  The policy requires no test for this release and none was recorded.
                </td>
              </tr>
            )}
            {rows.map((protocol) => (
              <tr key={protocol}>
                <th scope="row">{protocol}</th>
                {envNames.map((env) => {
                  const test = current.get(`${env}/${protocol}`);
                  return (
                    <td key={env} data-cell={`${env}/${protocol}`}>
                      {test ? (
                        <>
                          <span
                            className={`outcome outcome-${test.outcome}`}
                            title={`${test.summary} — ${test.recordedBy.name}${test.build.current ? '' : ' (earlier build)'}`}
                          >
                            {test.outcome}
                          </span>{' '}
                          <Evidence test={test} />
                        </>
                      ) : required(env, protocol) ? (
                        <span className="outcome outcome-required">required</span>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {can('releases.test') && <RecordTestForm release={release} environments={envNames} onRecorded={onRecorded} />}
    </div>
  );
}

function RecordTestForm({
  release,
  environments,
  onRecorded,
}: {
  release: Release;
  environments: string[];
  onRecorded: () => void;
}) {
  const { api } = useSession();
  const [values, setValues] = useState({
    environment: environments[1] ?? environments[0] ?? '',
    protocol: 'functionality' as TestProtocol,
    outcome: 'passed' as (typeof TEST_OUTCOMES)[number],
    summary: '',
  });
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.releases.recordTest(release.id, values);
      setValues((current) => ({ ...current, summary: '' }));
      onRecorded();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="filters" onSubmit={submit} aria-label="Record a test result">
      <div className="field">
        <label htmlFor="test-environment">Environment</label>
        <select
          id="test-environment"
          value={values.environment}
          onChange={(event) => setValues({ ...values, environment: event.target.value })}
        >
          {environments.map((env) => (
            <option key={env} value={env}>
              {env}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="test-protocol">Protocol</label>
        <select
          id="test-protocol"
          value={values.protocol}
          onChange={(event) => setValues({ ...values, protocol: event.target.value as TestProtocol })}
        >
          {TEST_PROTOCOLS.map((protocol) => (
            <option key={protocol} value={protocol}>
              {protocol}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="test-outcome">Outcome</label>
        <select
          id="test-outcome"
          value={values.outcome}
          onChange={(event) => setValues({ ...values, outcome: event.target.value as (typeof TEST_OUTCOMES)[number] })}
        >
          {TEST_OUTCOMES.map((outcome) => (
            <option key={outcome} value={outcome}>
              {outcome}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="test-summary">Summary</label>
        <input
          id="test-summary"
          maxLength={10000}
          size={28}
          value={values.summary}
          onChange={(event) => setValues({ ...values, summary: event.target.value })}
        />
      </div>
      <button type="submit" disabled={busy}>
        Record result
      </button>
      <div className="field-wide">
        <ErrorNotice error={error} />
      </div>
    </form>
  );
}
