import { MATURITY_ANSWERS, type MaturityAnswer } from '@slipway/model';
import { type FormEvent, useMemo, useState } from 'react';
import type { MaturityAnswers } from '../metrics/metrics-api.js';
import type { Questionnaire } from '../metrics/metrics-types.js';
import { processName } from './assessment-view.js';

type Question = Questionnaire['result']['questions'][number];

interface Draft {
  answer: MaturityAnswer | null;
  note: string;
}

const ANSWER_LABELS: Record<MaturityAnswer, string> = { yes: 'Yes', partial: 'Partly', no: 'No' };

/**
 * The answers to send: only those a person changed from the evidence prefill or annotated, so an
 * untouched question keeps its evidence source (and follows the evidence in later assessments).
 */
export function answersToSend(questions: readonly Question[], drafts: Record<string, Draft>): MaturityAnswers {
  const answers: MaturityAnswers = {};
  for (const question of questions) {
    const draft = drafts[question.id];
    if (!draft?.answer) continue;
    const note = draft.note.trim();
    if (draft.answer === question.answer && note === '') continue;
    answers[question.id] = note ? { answer: draft.answer, note } : { answer: draft.answer };
  }
  return answers;
}

/**
 * The questionnaire grouped by process and level: each question shows the evidence's answer,
 * preselected, with a yes/partly/no choice and an optional note. Native radio groups in a
 * fieldset each, so arrow keys move within a question and Tab moves between questions.
 */
export function AnswerForm({
  questionnaire,
  busy,
  onRun,
}: {
  questionnaire: Questionnaire;
  busy: boolean;
  onRun: (title: string, answers: MaturityAnswers) => void;
}) {
  const questions = questionnaire.result.questions;
  const [title, setTitle] = useState('');
  const [drafts, setDrafts] = useState<Record<string, Draft>>(() =>
    Object.fromEntries(questions.map((question) => [question.id, { answer: question.answer, note: '' }])),
  );
  const grouped = useMemo(() => {
    const byProcess = new Map<string, Map<number, Question[]>>();
    for (const question of questions) {
      const levels = byProcess.get(question.process) ?? new Map<number, Question[]>();
      levels.set(question.level, [...(levels.get(question.level) ?? []), question]);
      byProcess.set(question.process, levels);
    }
    return [...byProcess].map(([process, levels]) => ({
      process,
      levels: [...levels].sort(([a], [b]) => a - b),
    }));
  }, [questions]);
  const changed = Object.keys(answersToSend(questions, drafts)).length;

  function update(id: string, patch: Partial<Draft>) {
    setDrafts((current) => ({ ...current, [id]: { ...(current[id] ?? { answer: null, note: '' }), ...patch } }));
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    onRun(title.trim(), answersToSend(questions, drafts));
  }

  return (
    <form onSubmit={submit} aria-label="Run a new assessment" data-testid="answer-form">
      <div className="period-picker">
        <label htmlFor="assessment-title">Title</label>
        <input
          id="assessment-title"
          value={title}
          maxLength={200}
          placeholder="e.g. Quarterly assessment"
          onChange={(event) => setTitle(event.target.value)}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Assessing…' : 'Run assessment'}
        </button>
        <span className="small muted" aria-live="polite">
          {changed === 0
            ? 'Evidence answers only'
            : `${changed} ${changed === 1 ? 'answer of yours overrides' : 'answers of yours override'} the evidence`}
        </span>
      </div>
      <details className="maturity-questionnaire">
        <summary>Answer the questionnaire ({questions.length} questions)</summary>
        {grouped.map(({ process, levels }) => (
          <section key={process} aria-labelledby={`answer-${process}`}>
            <h3 id={`answer-${process}`}>{processName(process)}</h3>
            {levels.map(([level, items]) => (
              <div key={level}>
                <h4>Level {level}</h4>
                {items.map((question) => {
                  const draft = drafts[question.id] ?? { answer: null, note: '' };
                  const noteId = `note-${question.id}`;
                  return (
                    <fieldset key={question.id} className="maturity-question" data-question={question.id}>
                      <legend>{question.text}</legend>
                      <p className="small muted">
                        {question.area}
                        {' · '}
                        {question.measured && question.evidenceAnswer
                          ? `evidence: ${question.evidenceAnswer} — ${question.measured.description} (${question.measured.numerator} of ${question.measured.denominator})`
                          : question.evidence
                            ? 'evidence: nothing to measure yet'
                            : 'no evidence: a person answers this'}
                      </p>
                      <div className="maturity-choices">
                        {MATURITY_ANSWERS.map((answer) => (
                          <label key={answer} className="checkbox">
                            <input
                              type="radio"
                              name={`answer-${question.id}`}
                              value={answer}
                              checked={draft.answer === answer}
                              onChange={() => update(question.id, { answer })}
                            />
                            {ANSWER_LABELS[answer]}
                            {answer === question.answer && <span className="small muted"> (evidence)</span>}
                          </label>
                        ))}
                        <label htmlFor={noteId} className="small">
                          Note
                        </label>
                        <input
                          id={noteId}
                          aria-label={`Note on: ${question.text}`}
                          className="maturity-note"
                          value={draft.note}
                          maxLength={2000}
                          onChange={(event) => update(question.id, { note: event.target.value })}
                        />
                      </div>
                    </fieldset>
                  );
                })}
              </div>
            ))}
          </section>
        ))}
      </details>
    </form>
  );
}
