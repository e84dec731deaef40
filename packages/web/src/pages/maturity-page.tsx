import { type FormEvent, useCallback, useState } from 'react';
import { Link } from 'react-router';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { AnswerForm } from '../maturity/answer-form.js';
import { AssessmentView, processName } from '../maturity/assessment-view.js';
import type { MaturityAnswers } from '../metrics/metrics-api.js';
import type { Comparison } from '../metrics/metrics-types.js';
import { useSession } from '../session/session-context.js';
import '../metrics/metrics.css';

/**
 * The ITIL maturity assessment: stored assessments, running a new one from today's evidence,
 * levels per process with gaps, recommendations and the evidence per question, the printable
 * report, and what moved between two assessments.
 */
export function MaturityPage() {
  useDocumentTitle('Maturity');
  const { api, can } = useSession();
  const loadList = useCallback((signal: AbortSignal) => api.maturity.assessments({ limit: 50 }, signal), [api]);
  const list = useLoad(loadList);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const [runError, setRunError] = useState<unknown>(undefined);
  const [created, setCreated] = useState<number | null>(null);
  const [compareFrom, setCompareFrom] = useState('');
  const [compareTo, setCompareTo] = useState('');
  const [comparison, setComparison] = useState<Comparison | null>(null);
  const [compareError, setCompareError] = useState<unknown>(undefined);

  const items = list.data?.items ?? [];
  const shownId = selectedId ?? items[0]?.id ?? null;

  const mayWrite = can('maturity.write');
  // The questionnaire (with today's evidence prefilled) is only needed by those who may answer it.
  const loadQuestionnaire = useCallback(
    (signal: AbortSignal) => (mayWrite ? api.maturity.questionnaire(signal) : Promise.resolve(null)),
    [api, mayWrite],
  );
  const questionnaire = useLoad(loadQuestionnaire);

  async function run(title: string, answers: MaturityAnswers) {
    setBusy(true);
    setRunError(undefined);
    try {
      const assessment = await api.maturity.create(title, answers);
      setCreated(assessment.id);
      setSelectedId(assessment.id);
      list.reload();
    } catch (error) {
      setRunError(error);
    } finally {
      setBusy(false);
    }
  }

  async function compare(event: FormEvent) {
    event.preventDefault();
    setCompareError(undefined);
    try {
      setComparison(await api.maturity.compare(Number(compareFrom), Number(compareTo)));
    } catch (error) {
      setComparison(null);
      setCompareError(error);
    }
  }

  return (
    <section className="page" aria-labelledby="maturity-title">
      <div className="page-head">
        <h1 id="maturity-title">Maturity assessment</h1>
        <Link to="/metrics">KPIs and DORA keys</Link>
      </div>
      <p className="muted">
        Release, change and configuration management on the ITIL process maturity framework (levels 1 Initial to 5
        Optimizing). Answers are pre-filled from Slipway's own records; each shows the evidence it rests on.
      </p>
      {mayWrite && (
        <>
          <h2>New assessment</h2>
          <ErrorNotice error={questionnaire.error} onRetry={questionnaire.reload} />
          {questionnaire.data ? (
            <AnswerForm
              key={`${questionnaire.data.measuredAt}-${created}`}
              questionnaire={questionnaire.data}
              busy={busy}
              onRun={run}
            />
          ) : (
            !questionnaire.error && <p aria-live="polite">Loading the questionnaire…</p>
          )}
        </>
      )}
      <ErrorNotice error={runError} />
      {created !== null && (
        <p className="notice notice-ok" role="status">
          Assessment #{created} stored.
        </p>
      )}
      <h2>Assessments</h2>
      <ErrorNotice error={list.error} onRetry={list.reload} />
      {list.data && items.length === 0 && <p>No assessment yet.</p>}
      {items.length > 0 && (
        <div className="table-wrap">
          <table data-testid="assessment-list">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Title</th>
                <th scope="col">When</th>
                <th scope="col">Release</th>
                <th scope="col">Change</th>
                <th scope="col">Configuration</th>
                <th scope="col">Open</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.id} aria-current={item.id === shownId ? 'true' : undefined}>
                  <td>{item.id}</td>
                  <th scope="row">{item.title}</th>
                  <td>
                    <DateTime value={item.createdAt} /> by {item.createdBy}
                  </td>
                  <td>{item.levels.release}</td>
                  <td>{item.levels.change}</td>
                  <td>{item.levels.configuration}</td>
                  <td>
                    <button type="button" className="button-link" onClick={() => setSelectedId(item.id)}>
                      Show #{item.id}
                    </button>{' '}
                    <a href={api.maturity.reportUrl(item.id)} target="_blank" rel="noopener">
                      Report #{item.id}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {items.length >= 2 && (
        <>
          <h2>Compare two assessments</h2>
          <form className="period-picker" onSubmit={compare} aria-label="Compare two assessments">
            <label htmlFor="compare-from">Earlier</label>
            <select id="compare-from" value={compareFrom} onChange={(event) => setCompareFrom(event.target.value)}>
              <option value="">Choose…</option>
              {items.map((item) => (
                <option key={item.id} value={item.id}>
                  #{item.id} {item.title}
                </option>
              ))}
            </select>
            <label htmlFor="compare-to">Later</label>
            <select id="compare-to" value={compareTo} onChange={(event) => setCompareTo(event.target.value)}>
              <option value="">Choose…</option>
              {items.map((item) => (
                <option key={item.id} value={item.id}>
                  #{item.id} {item.title}
                </option>
              ))}
            </select>
            <button type="submit" disabled={!compareFrom || !compareTo || compareFrom === compareTo}>
              Compare
            </button>
            {compareFrom && compareTo && compareFrom !== compareTo && (
              <a href={api.maturity.reportUrl(Number(compareTo), Number(compareFrom))} target="_blank" rel="noopener">
                Report with comparison
              </a>
            )}
          </form>
          <ErrorNotice error={compareError} />
          {comparison && (
            <div data-testid="comparison">
              <ul>
                {comparison.processes.map((row) => (
                  <li key={row.process}>
                    {processName(row.process)}: level {row.fromLevel} → {row.toLevel} (
                    {row.delta > 0 ? `+${row.delta}` : row.delta})
                  </li>
                ))}
              </ul>
              <p>
                {comparison.changedAnswers.length} answer{comparison.changedAnswers.length === 1 ? '' : 's'} changed
              </p>
              {comparison.changedAnswers.length > 0 && (
                <ul className="small">
                  {comparison.changedAnswers.map((answer) => (
                    <li key={answer.questionId}>
                      {processName(answer.process)} — {answer.text}: {answer.from ?? 'open'} → {answer.to ?? 'open'}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </>
      )}
      {shownId !== null && <AssessmentDetail id={shownId} />}
    </section>
  );
}

/** The shown assessment: the one chosen, else the newest (loaded on its own so the list stays light). */
function AssessmentDetail({ id }: { id: number }) {
  const { api } = useSession();
  const load = useCallback((signal: AbortSignal) => api.maturity.assessment(id, signal), [api, id]);
  const assessment = useLoad(load);
  const data = assessment.data?.id === id ? assessment.data : undefined;
  return (
    <>
      <h2>
        Assessment #{id}
        {data && ` — ${data.title}`}
      </h2>
      <ErrorNotice error={assessment.error} onRetry={assessment.reload} />
      {data ? <AssessmentView result={data.result} /> : <p aria-live="polite">Loading…</p>}
    </>
  );
}
