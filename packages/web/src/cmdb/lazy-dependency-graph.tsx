import { lazy, Suspense } from 'react';
import type { DependencyGraphProps } from './graph/dependency-graph.js';

/**
 * The graph view in its own chunk: the canvas renderer, layout and controls load when a CI page
 * first shows a graph, never with the first page of the app (the initial bundle budget).
 */
const DependencyGraph = lazy(() =>
  import('./graph/dependency-graph.js').then((module) => ({ default: module.DependencyGraph })),
);

export function LazyDependencyGraph(props: DependencyGraphProps) {
  return (
    <Suspense
      fallback={
        <p className="muted graph-loading" aria-live="polite">
          Loading the graph view…
        </p>
      }
    >
      <DependencyGraph {...props} />
    </Suspense>
  );
}
