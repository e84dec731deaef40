import { useCallback } from 'react';
import { useSearchParams } from 'react-router';
import type { DepthChoice } from '../cmdb/graph/dependency-graph.js';
import { LazyDependencyGraph } from '../cmdb/lazy-dependency-graph.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';

function depthFrom(value: string | null): DepthChoice {
  if (value === 'all') return 'all';
  const depth = Number(value);
  return depth === 1 || depth === 2 || depth === 3 ? depth : 2;
}

/** The dependency graph of one CI filling the window, for big neighbourhoods. */
export function CiGraphPage({ ciId }: { ciId: number }) {
  const [params] = useSearchParams();
  return (
    <FullScreenGraph
      key={ciId}
      ciId={ciId}
      direction={params.get('direction') === 'dependencies' ? 'dependencies' : 'impact'}
      depth={depthFrom(params.get('depth'))}
    />
  );
}

function FullScreenGraph({
  ciId,
  direction,
  depth,
}: {
  ciId: number;
  direction: 'impact' | 'dependencies';
  depth: DepthChoice;
}) {
  const { api } = useSession();
  const load = useCallback((signal: AbortSignal) => api.cmdb.cis.get(ciId, signal), [api, ciId]);
  const { data: ci, error } = useLoad(load);
  useDocumentTitle(ci ? `Graph of ${ci.name}` : 'Graph');
  return (
    <div className="graph-page">
      <ErrorNotice error={error} />
      {ci && (
        <p className="graph-page-title">
          {direction === 'impact' ? 'Impact' : 'Dependencies'} of <strong>{ci.name}</strong>{' '}
          <span className="muted">{ci.class.replaceAll('_', ' ')}</span>
        </p>
      )}
      <LazyDependencyGraph rootId={ciId} initialDirection={direction} initialDepth={depth} fullScreen />
    </div>
  );
}
