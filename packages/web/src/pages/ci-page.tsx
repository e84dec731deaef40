import { useCallback, useState } from 'react';
import { Link } from 'react-router';
import { isApiError } from '../api/errors.js';
import type { Ci } from '../api/types.js';
import { CiAttributes } from '../cmdb/ci-attributes.js';
import { CiStatusBadge, ClassBadge, CriticalityBadge } from '../cmdb/ci-badges.js';
import { CiEditForm, StaleNotice } from '../cmdb/ci-edit-form.js';
import { CiHistory } from '../cmdb/ci-history.js';
import { CiRelationships } from '../cmdb/ci-relationships.js';
import { ImpactSummary } from '../cmdb/impact-summary.js';
import { LazyDependencyGraph } from '../cmdb/lazy-dependency-graph.js';
import { DateTime } from '../components/date-time.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';

/** One CI (the route, IdRoute, mounts a fresh page for every CI id). */
export function CiPage({ ciId }: { ciId: number }) {
  const { api, can } = useSession();
  const canWrite = can('cmdb.write');
  const loadCi = useCallback((signal: AbortSignal) => api.cmdb.cis.get(ciId, signal), [api, ciId]);
  const ciLoad = useLoad(loadCi);
  const loadClasses = useCallback((signal: AbortSignal) => api.cmdb.classes(signal), [api]);
  const classes = useLoad(loadClasses);
  const loadTypes = useCallback((signal: AbortSignal) => api.cmdb.relationshipTypes(signal), [api]);
  const types = useLoad(loadTypes);
  const [graphGeneration, setGraphGeneration] = useState(0);
  // The impact summary's two counts; the graph reuses the impact one as its totals. Loaded again
  // when a relationship was added or removed (graphGeneration).
  // biome-ignore lint/correctness/useExhaustiveDependencies: graphGeneration asks for a new load.
  const loadWalks = useCallback(
    (signal: AbortSignal) =>
      Promise.all([
        api.cmdb.cis.graph(ciId, 'impact', { limit: 0 }, signal),
        api.cmdb.cis.graph(ciId, 'dependencies', { limit: 0 }, signal),
      ]),
    [api, ciId, graphGeneration],
  );
  const walks = useLoad(loadWalks);
  // A write answers the new CI; it replaces the loaded one until the next reload.
  const [saved, setSaved] = useState<Ci | null>(null);
  const [editing, setEditing] = useState(false);
  const [retiring, setRetiring] = useState(false);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [message, setMessage] = useState('');

  const loaded = ciLoad.data;
  const ci = saved && loaded && saved.version > loaded.version ? saved : loaded;
  useDocumentTitle(ci ? `${ci.name} (${ci.class})` : 'Configuration item');
  const ciClass = classes.data?.items.find((item) => item.name === ci?.class);

  function reloadCi() {
    setSaved(null);
    setActionError(undefined);
    setEditing(false);
    ciLoad.reload();
  }

  async function retire(current: Ci) {
    setActionError(undefined);
    try {
      setSaved(await api.cmdb.cis.retire(current));
      setRetiring(false);
      setMessage(`${current.name} is retired. It keeps its relationships and history.`);
    } catch (failure) {
      setActionError(failure);
      setRetiring(false);
    }
  }

  if (ciLoad.error && !ci) {
    return (
      <section className="page">
        <h1>Configuration item</h1>
        <ErrorNotice error={ciLoad.error} onRetry={isApiError(ciLoad.error, 'NOT_FOUND') ? undefined : ciLoad.reload} />
        <p>
          <Link to="/cmdb">Back to the search</Link>
        </p>
      </section>
    );
  }
  if (!ci) {
    return (
      <section className="page">
        <p className="muted" aria-live="polite">
          Loading the CI…
        </p>
      </section>
    );
  }

  return (
    <section className="page ci-page" aria-labelledby="ci-title">
      <header className="ci-header">
        <p className="ci-breadcrumb">
          <Link to={`/cmdb?class=${encodeURIComponent(ci.class)}`}>
            <ClassBadge ciClass={ci.class} />
          </Link>
        </p>
        <div className="page-head">
          <h1 id="ci-title">{ci.name}</h1>
          {canWrite && !editing && (
            <div className="actions head-actions">
              <button type="button" onClick={() => setEditing(true)}>
                Edit
              </button>
              {ci.status !== 'retired' &&
                (retiring ? (
                  <>
                    <button type="button" className="button-danger" onClick={() => retire(ci)}>
                      Confirm retire
                    </button>
                    <button type="button" className="button-secondary" onClick={() => setRetiring(false)}>
                      Cancel
                    </button>
                  </>
                ) : (
                  <button type="button" className="button-danger" onClick={() => setRetiring(true)}>
                    Retire
                  </button>
                ))}
            </div>
          )}
        </div>
        {retiring && (
          <p className="notice notice-info">
            Retiring ends the CI's life: it stays in the CMDB with its relationships and history, and data-quality
            reports flag whatever still relies on it.
          </p>
        )}
        <dl className="ci-facts">
          <div>
            <dt>Status</dt>
            <dd>
              <CiStatusBadge status={ci.status} />
            </dd>
          </div>
          <div>
            <dt>Criticality</dt>
            <dd>
              <CriticalityBadge criticality={ci.criticality} />
            </dd>
          </div>
          <div>
            <dt>Owner</dt>
            <dd>{ci.owner ?? <span className="muted">none</span>}</dd>
          </div>
          <div>
            <dt>Environment</dt>
            <dd>{ci.environment ?? <span className="muted">—</span>}</dd>
          </div>
          <div>
            <dt>Version</dt>
            <dd data-testid="ci-version">{ci.version}</dd>
          </div>
          <div>
            <dt>Updated</dt>
            <dd>
              <DateTime value={ci.updatedAt} />
            </dd>
          </div>
          <div>
            <dt>Source</dt>
            <dd>{ci.source ?? <span className="muted">manual</span>}</dd>
          </div>
        </dl>
      </header>
      <p className="toolbar-status" aria-live="polite">
        {message}
      </p>
      {isApiError(actionError, 'PRECONDITION_FAILED') ? (
        <StaleNotice onReload={reloadCi} />
      ) : (
        <ErrorNotice error={actionError} />
      )}
      <ErrorNotice error={ciLoad.error} onRetry={ciLoad.reload} />
      <ErrorNotice error={classes.error} />

      {editing ? (
        <CiEditForm
          key={ci.version}
          ci={ci}
          ciClass={ciClass}
          onCancel={() => setEditing(false)}
          onReload={reloadCi}
          onSaved={(updated) => {
            setSaved(updated);
            setEditing(false);
            setMessage(`Saved: ${updated.name} is now at version ${updated.version}.`);
          }}
        />
      ) : (
        <div className="card-grid">
          <CiAttributes ci={ci} ciClass={ciClass} />
          <ImpactSummary walks={walks} />
        </div>
      )}

      <CiRelationships
        ci={ci}
        types={types.data?.items ?? []}
        canWrite={canWrite}
        onChanged={() => setGraphGeneration((value) => value + 1)}
      />
      <div className="card graph-card">
        {/* Mounted with the page's relationship types and impact count, so the graph does not fetch them again. */}
        {types.data && !walks.loading ? (
          <LazyDependencyGraph
            key={graphGeneration}
            rootId={ci.id}
            relationshipTypes={types.data.items}
            initialTotals={walks.data?.[0]}
          />
        ) : (
          <ErrorNotice error={types.error} onRetry={types.reload} />
        )}
      </div>
      <CiHistory key={`${ci.version}-${graphGeneration}`} ciId={ci.id} />
    </section>
  );
}
