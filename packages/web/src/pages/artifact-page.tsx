import { useCallback, useEffect, useState } from 'react';
import { useLocation } from 'react-router';
import type { Artifact } from '../api/types.js';
import { formatBytes } from '../cmdb/ci-format.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { LoadFailure } from '../components/load-failure.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { SbomComponents } from '../library/sbom-components.js';
import { ArtifactStateBadge, SignatureBadge, VerdictBadge } from '../library/verdict-badge.js';
import { useSession, useSignedIn } from '../session/session-context.js';
import type { UploadedNotice } from './artifact-upload-page.js';

function uploadedNotice(state: unknown): string | null {
  const uploaded = (state as Partial<UploadedNotice> | null)?.uploaded;
  return typeof uploaded === 'string' ? uploaded : null;
}

/** One artifact: integrity, licence verdict, signature, coexistence ranges, SBOM, and approve/verify/retire. */
export function ArtifactPage({ id }: { id: number }) {
  const { api, can } = useSession();
  const { user } = useSignedIn();
  const load = useCallback((signal: AbortSignal) => api.library.artifacts.get(id, signal), [api, id]);
  const loaded = useLoad(load);
  const [artifact, setArtifact] = useState<Artifact | undefined>(undefined);
  useEffect(() => setArtifact(loaded.data), [loaded.data]);
  const [error, setError] = useState<unknown>(undefined);
  // Arriving from the upload form, the page says what was stored and attached.
  const [notice, setNotice] = useState<string | null>(uploadedNotice(useLocation().state));
  const [busy, setBusy] = useState(false);
  useDocumentTitle(artifact ? `${artifact.name} ${artifact.artifactVersion}` : 'Artifact');

  if (loaded.error && !artifact) return <LoadFailure error={loaded.error} onRetry={loaded.reload} />;
  if (!artifact) return <p aria-live="polite">Loading the artifact…</p>;
  const current = artifact;

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(undefined);
    setNotice(null);
    try {
      await action();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const ownUpload = current.uploadedBy.id === user.id;
  const mayApprove = can('library.approve') && !ownUpload;
  return (
    <section className="page" aria-labelledby="artifact-title">
      <div className="page-head">
        <h1 id="artifact-title">
          {current.name} {current.artifactVersion}
        </h1>
      </div>
      <p className="badges" data-testid="artifact-badges">
        <ArtifactStateBadge state={current.state} />{' '}
        <VerdictBadge verdict={current.licence.verdict} rule={current.licence.rule} reason={current.licence.reason} />{' '}
        <SignatureBadge signature={current.signature} />
      </p>
      <div className="actions">
        {current.state === 'quarantined' && mayApprove && (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              run(async () => {
                setArtifact(await api.library.artifacts.approve(current));
                setNotice('Approved: releases may now contain this artifact.');
              })
            }
          >
            Approve
          </button>
        )}
        {can('library.write') && current.state !== 'compromised' && (
          <button
            type="button"
            className="button-secondary"
            disabled={busy}
            onClick={() =>
              run(async () => {
                const result = await api.library.artifacts.verify(current.id);
                setNotice(
                  result.ok
                    ? 'Integrity verified: the stored content still hashes to its digest.'
                    : `Integrity check failed: content ${result.content}.`,
                );
                setArtifact(await api.library.artifacts.get(current.id));
              })
            }
          >
            Verify integrity
          </button>
        )}
        {current.state === 'approved' && mayApprove && (
          <button
            type="button"
            className="button-danger"
            disabled={busy}
            onClick={() =>
              run(async () => setArtifact(await api.library.artifacts.retire(current, 'Retired from the web UI')))
            }
          >
            Retire
          </button>
        )}
      </div>
      {current.state === 'quarantined' && can('library.approve') && ownUpload && (
        <p className="notice notice-info">You uploaded this artifact, so someone else must approve it.</p>
      )}
      {notice && (
        <p className="notice notice-ok" role="status">
          {notice}
        </p>
      )}
      <ErrorNotice error={error} />
      <div className="library-grid">
        <section className="card" aria-labelledby="artifact-facts">
          <h2 id="artifact-facts">Facts</h2>
          <dl className="facts-grid">
            <dt>SHA-256</dt>
            <dd>
              <code className="digest-full">{current.sha256}</code>
            </dd>
            <dt>Size</dt>
            <dd>{formatBytes(current.size)}</dd>
            <dt>Licence</dt>
            <dd>
              <code>{current.license}</code> — {current.licence.reason}
            </dd>
            <dt>Signature</dt>
            <dd>
              {current.signature
                ? `${current.signature.status}${current.signature.keyId ? ` by key ${current.signature.keyId}` : ''}${current.signature.reason ? `: ${current.signature.reason}` : ''}`
                : 'not signed'}
            </dd>
            <dt>Element</dt>
            <dd>{current.element ?? '—'}</dd>
            <dt>Supplier</dt>
            <dd>{current.supplier ?? '—'}</dd>
            <dt>Requires</dt>
            <dd>{current.requires.map((r) => `${r.name} ${r.range}`).join(', ') || '—'}</dd>
            <dt>Conflicts with</dt>
            <dd>{current.conflicts.map((r) => `${r.name} ${r.range}`).join(', ') || '—'}</dd>
            <dt>Uploaded</dt>
            <dd>
              {current.uploadedBy.name}, <DateTime value={current.createdAt} />
            </dd>
            <dt>Approved</dt>
            <dd>
              {current.approvedBy ? (
                <>
                  {current.approvedBy}, <DateTime value={current.approvedAt} />
                </>
              ) : (
                '—'
              )}
            </dd>
            <dt>Last verified</dt>
            <dd>
              <DateTime value={current.lastVerifiedAt} empty="never" />
            </dd>
            {current.stateReason && (
              <>
                <dt>Why {current.state}</dt>
                <dd>{current.stateReason}</dd>
              </>
            )}
          </dl>
        </section>
        <section className="card" aria-labelledby="artifact-sbom">
          <h2 id="artifact-sbom">SBOM components</h2>
          <SbomComponents artifactId={current.id} attached={current.sbom !== null} canReview={mayApprove} />
        </section>
      </div>
    </section>
  );
}
