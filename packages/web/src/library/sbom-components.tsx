import { LICENCE_VERDICTS, type LicenceVerdict } from '@slipway/model';
import { useCallback, useState } from 'react';
import { isApiError } from '../api/errors.js';
import { ErrorNotice } from '../components/error-notice.js';
import { Pager } from '../components/pager.js';
import { useCursorPages } from '../hooks/use-cursor-pages.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';
import { VerdictBadge } from './verdict-badge.js';

const PAGE_SIZE = 25;

/**
 * The SBOM of an artifact: licence counts and the components with their verdicts. A person who
 * may approve can clear a needs-review component after a licence review.
 */
export function SbomComponents({
  artifactId,
  attached,
  canReview,
}: {
  artifactId: number;
  /** Whether the artifact says it has an SBOM: without one there is nothing to ask for. */
  attached: boolean;
  canReview: boolean;
}) {
  const { api } = useSession();
  const [verdict, setVerdict] = useState<LicenceVerdict | ''>('');
  const pages = useCursorPages();
  const [reviewError, setReviewError] = useState<unknown>(undefined);
  const loadSbom = useCallback(
    // A 404 still means none: the SBOM may have gone since the artifact was read.
    (signal: AbortSignal) =>
      attached
        ? api.library.artifacts.sbom(artifactId, signal).catch((error: unknown) => {
            if (isApiError(error, 'NOT_FOUND')) return null;
            throw error;
          })
        : Promise.resolve(null),
    [api, artifactId, attached],
  );
  const sbom = useLoad(loadSbom);
  const { cursor } = pages;
  const hasSbom = Boolean(sbom.data);
  const loadComponents = useCallback(
    (signal: AbortSignal) =>
      hasSbom
        ? api.library.artifacts.components(artifactId, { limit: PAGE_SIZE, cursor, verdict }, signal)
        : Promise.resolve(null),
    [api, artifactId, cursor, verdict, hasSbom],
  );
  const components = useLoad(loadComponents);

  async function review(componentId: number, name: string) {
    setReviewError(undefined);
    try {
      await api.library.artifacts.reviewComponent(artifactId, componentId, `Licence of ${name} reviewed`);
      sbom.reload();
      components.reload();
    } catch (error) {
      setReviewError(error);
    }
  }

  if (sbom.error) return <ErrorNotice error={sbom.error} onRetry={sbom.reload} />;
  if (sbom.data === undefined) return <p aria-live="polite">Loading the SBOM…</p>;
  if (sbom.data === null) return <p className="muted">No SBOM is attached to this artifact.</p>;
  const { licences } = sbom.data;
  return (
    <div data-testid="sbom">
      <p>
        CycloneDX {sbom.data.specVersion}, {sbom.data.componentCount} components: {licences.allowed} allowed,{' '}
        {licences.denied} denied, {licences.needsReview} need review, {licences.reviewed} reviewed.
      </p>
      <div className="filters">
        <div className="field">
          <label htmlFor="component-verdict">Verdict</label>
          <select
            id="component-verdict"
            value={verdict}
            onChange={(event) => {
              setVerdict(event.target.value as LicenceVerdict | '');
              pages.reset();
            }}
          >
            <option value="">any verdict</option>
            {LICENCE_VERDICTS.map((value) => (
              <option key={value} value={value}>
                {value.replaceAll('_', ' ')}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorNotice error={components.error} onRetry={components.reload} />
      <ErrorNotice error={reviewError} />
      <div className="table-wrap">
        <table aria-busy={components.loading}>
          <caption className="visually-hidden">SBOM components</caption>
          <thead>
            <tr>
              <th scope="col">Component</th>
              <th scope="col">Version</th>
              <th scope="col">Licence</th>
              <th scope="col">Verdict</th>
            </tr>
          </thead>
          <tbody>
            {components.data?.items.map((component) => (
              <tr key={component.id}>
                <th scope="row">
                  {component.group ? `${component.group}/` : ''}
                  {component.name}
                </th>
                <td>{component.version ?? '—'}</td>
                <td>
                  <code className="small">{component.licenseExpression ?? 'none stated'}</code>
                </td>
                <td>
                  <VerdictBadge
                    verdict={component.licence.verdict}
                    rule={component.licence.rule}
                    reason={component.licence.reason}
                  />
                  {component.review && <span className="small muted"> reviewed by {component.review.by}</span>}
                  {component.licence.verdict === 'needs_review' && canReview && !component.review && (
                    <button
                      type="button"
                      className="button-link"
                      onClick={() => void review(component.id, component.name)}
                    >
                      Mark {component.name} reviewed
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Pager pages={pages} next={components.data?.next} label="Component pages" />
    </div>
  );
}
