import { ARTIFACT_STATES, type ArtifactState } from '@slipway/model';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { Pager } from '../components/pager.js';
import { useCursorPages } from '../hooks/use-cursor-pages.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { ArtifactStateBadge, ShortDigest, SignatureBadge, VerdictBadge } from '../library/verdict-badge.js';
import { useSession } from '../session/session-context.js';

const PAGE_SIZE = 25;

/** The Definitive Software Library: every artifact with its digest, licence verdict and signature. */
export function ArtifactsPage() {
  useDocumentTitle('Software library');
  const { api, can } = useSession();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const state = params.get('state') ?? '';
  const pages = useCursorPages();
  const { cursor, reset } = pages;
  const paramsKey = params.toString();
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new query starts at its first page.
  useEffect(() => reset(), [paramsKey, reset]);
  const load = useCallback(
    (signal: AbortSignal) =>
      api.library.artifacts.list({ limit: PAGE_SIZE, cursor, q, state: state as ArtifactState | '' }, signal),
    [api, cursor, q, state],
  );
  const { data, error, loading, reload } = useLoad(load);
  const [draft, setDraft] = useState({ q, state });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const search = new URLSearchParams();
    if (draft.q.trim()) search.set('q', draft.q.trim());
    if (draft.state) search.set('state', draft.state);
    setParams(search);
  }

  return (
    <section className="page" aria-labelledby="artifacts-title">
      <div className="page-head">
        <h1 id="artifacts-title">Software library</h1>
        {can('library.write') && (
          <Link className="button" to="/library/artifacts/new">
            Upload an artifact
          </Link>
        )}
      </div>
      <form className="filters" onSubmit={submit} aria-label="Search artifacts">
        <div className="field">
          <label htmlFor="artifact-q">Name contains</label>
          <input
            id="artifact-q"
            type="search"
            maxLength={200}
            value={draft.q}
            onChange={(event) => setDraft({ ...draft, q: event.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor="artifact-state">State</label>
          <select
            id="artifact-state"
            value={draft.state}
            onChange={(event) => setDraft({ ...draft, state: event.target.value })}
          >
            <option value="">any state</option>
            {ARTIFACT_STATES.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Search</button>
      </form>
      <ErrorNotice error={error} onRetry={reload} />
      <div className="table-wrap">
        <table aria-busy={loading} className="artifact-table">
          <caption className="visually-hidden">Artifacts</caption>
          <thead>
            <tr>
              <th scope="col">Artifact</th>
              <th scope="col">State</th>
              <th scope="col">Licence</th>
              <th scope="col">Signature</th>
              <th scope="col" className="narrow-hidden">
                Digest
              </th>
              <th scope="col">Uploaded</th>
            </tr>
          </thead>
          <tbody>
            {data?.items.length === 0 && (
              <tr>
                <td colSpan={6} className="empty">
                  No artifact matches.
                </td>
              </tr>
            )}
            {data?.items.map((artifact) => (
              <tr key={artifact.id}>
                <th scope="row">
                  <Link to={`/library/artifacts/${artifact.id}`}>
                    {artifact.name} {artifact.artifactVersion}
                  </Link>
                </th>
                <td>
                  <ArtifactStateBadge state={artifact.state} />
                </td>
                <td>
                  <code className="small">{artifact.license}</code>{' '}
                  <VerdictBadge
                    verdict={artifact.licence.verdict}
                    rule={artifact.licence.rule}
                    reason={artifact.licence.reason}
                  />
                </td>
                <td>
                  <SignatureBadge signature={artifact.signature} />
                </td>
                <td className="narrow-hidden">
                  <ShortDigest sha256={artifact.sha256} />
                </td>
                <td className="nowrap">
                  {artifact.uploadedBy.name}, <DateTime value={artifact.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager pages={pages} next={data?.next} label="Artifact pages" />
    </section>
  );
}
