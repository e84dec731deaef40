import { useCallback, useEffect, useRef, useState } from 'react';
import { isApiError } from '../api/errors.js';
import type { PolicyProblem } from '../api/policy-api.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { YamlEditor, type YamlEditorHandle } from '../policy/yaml-editor.js';
import { useSession } from '../session/session-context.js';
import '../policy/policy.css';

/** Wait this long after the last keystroke before asking the server to validate. */
const CHECK_DELAY_MS = 400;

/**
 * The release policy as code: the YAML of the current version, validated by the server as it is
 * typed (every problem with its line, marked in the gutter), applied as a new version by admins
 * with a comment, and the history of versions.
 */
export function PolicyPage() {
  useDocumentTitle('Release policy');
  const { api, can } = useSession();
  const editable = can('policy.write');
  const loadCurrent = useCallback((signal: AbortSignal) => api.policy.current(signal), [api]);
  const current = useLoad(loadCurrent);
  const loadVersions = useCallback((signal: AbortSignal) => api.policy.versions({ limit: 20 }, signal), [api]);
  const versions = useLoad(loadVersions);
  const [text, setText] = useState<string | null>(null);
  const [problems, setProblems] = useState<PolicyProblem[]>([]);
  const [checkState, setCheckState] = useState<'idle' | 'checking' | 'valid' | 'invalid'>('idle');
  const [checkError, setCheckError] = useState<unknown>(undefined);
  const [comment, setComment] = useState('');
  const [applyError, setApplyError] = useState<unknown>(undefined);
  const [applied, setApplied] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const editor = useRef<YamlEditorHandle>(null);

  useEffect(() => {
    if (current.data && text === null) setText(current.data.yaml);
  }, [current.data, text]);

  const dirty = text !== null && current.data !== undefined && text !== current.data.yaml;
  useEffect(() => {
    if (text === null || !dirty) {
      setProblems([]);
      setCheckState('idle');
      return;
    }
    let cancelled = false;
    setCheckState('checking');
    const timer = setTimeout(() => {
      api.policy.check(text).then(
        (result) => {
          if (cancelled) return;
          setCheckError(undefined);
          setProblems(result.problems);
          setCheckState(result.valid ? 'valid' : 'invalid');
        },
        (error: unknown) => {
          if (!cancelled) setCheckError(error);
        },
      );
    }, CHECK_DELAY_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [api, text, dirty]);

  async function apply() {
    if (text === null || !current.data) return;
    setBusy(true);
    setApplyError(undefined);
    try {
      const result = await api.policy.apply(text, comment.trim(), current.data.version);
      setApplied(result.version);
      setComment('');
      setText(null);
      current.reload();
      versions.reload();
    } catch (error) {
      if (isApiError(error, 'VALIDATION_FAILED') && Array.isArray(error.details.problems)) {
        setProblems(error.details.problems as PolicyProblem[]);
        setCheckState('invalid');
      }
      setApplyError(error);
    } finally {
      setBusy(false);
    }
  }

  async function openVersion(version: number) {
    setApplyError(undefined);
    try {
      const found = await api.policy.version(version);
      setText(found.yaml);
    } catch (error) {
      setApplyError(error);
    }
  }

  return (
    <section className="page" aria-labelledby="policy-title">
      <div className="page-head">
        <h1 id="policy-title">Release policy</h1>
      </div>
      <ErrorNotice error={current.error} onRetry={current.reload} />
      {current.data && (
        <p className="muted">
          Version {current.data.version}, applied by {current.data.createdBy}{' '}
          <DateTime value={current.data.createdAt} />
          {current.data.comment && <> — “{current.data.comment}”</>}.{' '}
          {!editable &&
            'Only administrators apply new versions; you can still try changes here and see what the server says.'}
        </p>
      )}
      {applied !== null && (
        <p className="notice notice-ok" role="status">
          Version {applied} applied.
        </p>
      )}
      <div className="policy-layout">
        <div>
          <label htmlFor="policy-yaml" className="visually-hidden">
            Policy YAML
          </label>
          {text !== null && (
            <YamlEditor
              ref={editor}
              id="policy-yaml"
              value={text}
              onChange={setText}
              readOnly={false}
              problems={problems}
              describedBy="policy-editor-help policy-check-status"
            />
          )}
          <p id="policy-editor-help" className="small muted">
            Tab indents by two spaces; press Escape, then Tab, to leave the editor.
          </p>
          <p id="policy-check-status" className="small" aria-live="polite" data-testid="policy-check-status">
            {checkState === 'idle' && 'Unchanged: this is the current version.'}
            {checkState === 'checking' && 'Checking…'}
            {checkState === 'valid' && '✓ Valid: the server accepts this policy.'}
            {checkState === 'invalid' &&
              `✗ ${problems.length} problem${problems.length === 1 ? '' : 's'}: see the marked lines.`}
          </p>
          <ErrorNotice error={checkError} />
          {editable && (
            <form
              className="inline-form"
              onSubmit={(event) => {
                event.preventDefault();
                void apply();
              }}
            >
              <div className="field">
                <label htmlFor="policy-comment">Why this version</label>
                <input
                  id="policy-comment"
                  maxLength={500}
                  size={40}
                  value={comment}
                  onChange={(event) => setComment(event.target.value)}
                />
              </div>
              <button type="submit" disabled={busy || !dirty || checkState === 'invalid' || checkState === 'checking'}>
                Apply as a new version
              </button>
              <button
                type="button"
                className="button-link"
                disabled={!dirty}
                onClick={() => setText(current.data?.yaml ?? null)}
              >
                Discard edits
              </button>
            </form>
          )}
          <ErrorNotice error={applyError} />
        </div>
        <div>
          <section className="card" aria-labelledby="problems-title">
            <h2 id="problems-title">Problems</h2>
            {problems.length === 0 ? (
              <p className="muted">None.</p>
            ) : (
              <ul className="problem-list" data-testid="policy-problems">
                {problems.map((problem) => (
                  <li key={`${problem.line}-${problem.column}-${problem.path}-${problem.message}`}>
                    <button
                      type="button"
                      className="button-link"
                      onClick={() => problem.line !== null && editor.current?.goTo(problem.line, problem.column)}
                    >
                      {problem.line !== null ? `Line ${problem.line}` : 'Document'}
                      {problem.column !== null && `, column ${problem.column}`}
                    </button>
                    : {problem.message} {problem.path && <code className="small">{problem.path}</code>}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section className="card" aria-labelledby="versions-title">
            <h2 id="versions-title">Versions</h2>
            <ErrorNotice error={versions.error} onRetry={versions.reload} />
            <ol className="plain small" aria-label="Policy versions">
              {versions.data?.items.map((version) => (
                <li key={version.version}>
                  <strong>v{version.version}</strong> {version.createdBy}, <DateTime value={version.createdAt} />
                  {version.comment && <> — {version.comment}</>}{' '}
                  <button type="button" className="button-link" onClick={() => void openVersion(version.version)}>
                    Open v{version.version}
                  </button>
                </li>
              ))}
            </ol>
          </section>
        </div>
      </div>
    </section>
  );
}
