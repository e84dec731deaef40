import type { MaturityResult } from '../metrics/metrics-types.js';

const PROCESS_NAMES: Record<string, string> = {
  release: 'Release management',
  change: 'Change management',
  configuration: 'Configuration management',
};

export function processName(process: string): string {
  return PROCESS_NAMES[process] ?? process;
}

function answerText(answer: string | null): string {
  return answer ?? 'open';
}

/** Levels per process with their areas and gaps, and every question with the evidence beside it. */
export function AssessmentView({ result }: { result: MaturityResult }) {
  return (
    <div data-testid="assessment-result">
      {result.processes.map((process) => {
        const questions = result.questions.filter((question) => question.process === process.process);
        const headingId = `maturity-${process.process}`;
        return (
          <section key={process.process} className="maturity-process" aria-labelledby={headingId}>
            <h3 id={headingId}>
              {processName(process.process)}: level {process.level} {process.levelName}{' '}
              <span className="level-bar" style={{ width: `${process.level * 1.2}rem` }} aria-hidden="true" />
            </h3>
            <p className="small muted">
              Areas:{' '}
              {Object.entries(process.areas)
                .map(([area, level]) => `${area} ${level}`)
                .join(', ')}
            </p>
            {process.gaps.length > 0 ? (
              <>
                <h4>Gaps to the next level</h4>
                <ul>
                  {process.gaps.map((gap) => (
                    <li key={gap.questionId}>
                      <strong>{gap.text}</strong> ({gap.area}, level {gap.level}, answered {answerText(gap.answer)})
                      <div className="small">Recommendation: {gap.recommendation}</div>
                    </li>
                  ))}
                </ul>
              </>
            ) : (
              <p>No gaps: the highest level is reached.</p>
            )}
            <details>
              <summary>
                All {questions.length} questions with their evidence ({processName(process.process)})
              </summary>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Level</th>
                      <th scope="col">Question</th>
                      <th scope="col">Answer</th>
                      <th scope="col">Evidence</th>
                    </tr>
                  </thead>
                  <tbody>
                    {questions.map((question) => (
                      <tr key={question.id}>
                        <td>{question.level}</td>
                        <th scope="row">
                          {question.text}
                          <div className="small muted">{question.area}</div>
                        </th>
                        <td>
                          {answerText(question.answer)}
                          {question.source && <div className="small muted">by {question.source}</div>}
                          {question.note && <div className="small">{question.note}</div>}
                        </td>
                        <td className="small">
                          {question.measured ? (
                            <>
                              {question.measured.description}:{' '}
                              {question.measured.value === null
                                ? 'nothing to measure'
                                : `${question.measured.numerator} of ${question.measured.denominator} (${(question.measured.value * 100).toFixed(0)} %)`}
                              {question.evidenceAnswer && ` → ${question.evidenceAnswer}`}
                            </>
                          ) : (
                            <span className="muted">
                              {question.evidence ? 'nothing to measure yet' : 'no measure: a person answers this'}
                            </span>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </details>
          </section>
        );
      })}
    </div>
  );
}
