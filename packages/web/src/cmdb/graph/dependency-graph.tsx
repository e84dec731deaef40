import { Fragment, useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router';
import type { GraphDirection } from '../../api/slipway-api.js';
import type { GraphAnswer, PathStep, RelationshipTypeInfo } from '../../api/types.js';
import { ErrorNotice } from '../../components/error-notice.js';
import { useLoad } from '../../hooks/use-load.js';
import { useSession } from '../../session/session-context.js';
import { classLabel } from '../ci-format.js';
import { classColour, GraphCanvas, typeColour } from './graph-canvas.js';
import { layoutLayers } from './graph-layout.js';
import { expandCi, type LoadedWalk, loadWalk, MAX_WALK_CIS, walkAnswer } from './graph-loader.js';
import { ciKey, groupKey, type VisibleNode, visibleGraph } from './graph-model.js';

/** More CIs than this of one class at one depth collapse into one node until the user opens it. */
export const GROUP_THRESHOLD = 10;

export type DepthChoice = 1 | 2 | 3 | 'all';
const DEPTH_CHOICES: DepthChoice[] = [1, 2, 3, 'all'];

export interface DependencyGraphProps {
  rootId: number;
  initialDirection?: GraphDirection;
  initialDepth?: DepthChoice;
  /** The graph fills the window (the full-screen page) instead of a panel of the CI page. */
  fullScreen?: boolean;
  /** The relationship types when the page has them already (the CI page); otherwise the graph loads them. */
  relationshipTypes?: readonly RelationshipTypeInfo[];
  /**
   * The count-only walk in `initialDirection` along every type, when the page has it already (the
   * CI page's impact summary); the graph then asks only for the depth-limited walk.
   */
  initialTotals?: GraphAnswer;
}

interface Loaded extends LoadedWalk {
  /** The walk without the depth limit (count and summary only), to say what lies deeper. */
  totals: GraphAnswer;
}

interface Explanation {
  ciId: number;
  loading: boolean;
  path: PathStep[] | null;
  error: unknown;
}

interface RenderFigures {
  nodes: number;
  edges: number;
  layoutMs: number;
  renderMs: number;
}

function depthNumber(depth: DepthChoice): number | undefined {
  return depth === 'all' ? undefined : depth;
}

function toggled<T>(set: ReadonlySet<T>, value: T): Set<T> {
  const next = new Set(set);
  if (next.has(value)) next.delete(value);
  else next.add(value);
  return next;
}

/**
 * The interactive impact / dependency graph of one CI: the walk to a chosen depth in layers,
 * large neighbourhoods grouped, nodes expanded on demand, filters by relationship type and
 * class, and the path that explains why a selected CI is reached. Loaded lazily (its own
 * chunk), so it costs the first page nothing.
 */
export function DependencyGraph({
  rootId,
  initialDirection = 'impact',
  initialDepth = 2,
  fullScreen = false,
  relationshipTypes,
  initialTotals,
}: DependencyGraphProps) {
  const { api } = useSession();
  const id = useId();
  const [direction, setDirection] = useState<GraphDirection>(initialDirection);
  const [depth, setDepth] = useState<DepthChoice>(initialDepth);
  const [hiddenTypes, setHiddenTypes] = useState<ReadonlySet<string>>(() => new Set());
  const [hiddenClasses, setHiddenClasses] = useState<ReadonlySet<string>>(() => new Set());
  const [grouping, setGrouping] = useState(true);
  const [openGroups, setOpenGroups] = useState<ReadonlySet<string>>(() => new Set());
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [version, setVersion] = useState(0);
  const [loadError, setLoadError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState<string | null>('Loading the graph…');
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const [explanation, setExplanation] = useState<Explanation | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [figures, setFigures] = useState<RenderFigures | null>(null);
  const [listOpen, setListOpen] = useState(false);

  const figureRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const tooltipRef = useRef<HTMLDivElement>(null);
  const graphCanvas = useRef<GraphCanvas | null>(null);
  const anchor = useRef<{ before: string; after: string } | undefined>(undefined);
  const explainController = useRef<AbortController | null>(null);
  const revealed = useRef<Explanation | null>(null);
  /** CIs to bring into view after the next layout (the members of a group just opened). */
  const revealCis = useRef<readonly number[] | null>(null);

  const loadTypes = useCallback(
    (signal: AbortSignal) =>
      relationshipTypes ? Promise.resolve({ items: [...relationshipTypes] }) : api.cmdb.relationshipTypes(signal),
    [api, relationshipTypes],
  );
  const types = useLoad(loadTypes);
  const typeInfos: RelationshipTypeInfo[] = types.data?.items ?? [];

  // Only types along which impact propagates change the walk; hiding the others only hides lines.
  const walkTypesKey = useMemo(() => {
    const propagating = typeInfos.filter((type) => type.propagation !== 'none');
    const followed = propagating.filter((type) => !hiddenTypes.has(type.name));
    return followed.length === propagating.length ? '*' : followed.map((type) => type.name).join(',');
  }, [typeInfos, hiddenTypes]);

  useEffect(() => {
    const controller = new AbortController();
    const walkTypes = walkTypesKey === '*' ? undefined : walkTypesKey.split(',').filter((type) => type !== '');
    setBusy('Loading the graph…');
    setLoadError(undefined);
    const walk = loadWalk(
      api,
      rootId,
      { direction, depth: depthNumber(depth), types: walkTypes },
      controller.signal,
      (message) => {
        if (!controller.signal.aborted) setBusy(message);
      },
    );
    const totals =
      initialTotals && direction === initialDirection && walkTypes === undefined
        ? Promise.resolve(initialTotals)
        : walkAnswer(api, rootId, { direction, depth: undefined, types: walkTypes, limit: 0 }, controller.signal);
    Promise.all([walk, totals]).then(
      ([walked, totalAnswer]) => {
        if (controller.signal.aborted) return;
        anchor.current = undefined;
        setLoaded({ ...walked, totals: totalAnswer });
        setOpenGroups(new Set());
        setSelectedKey(null);
        setExplanation(null);
        setBusy(null);
        setVersion((value) => value + 1);
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setLoadError(error);
        setBusy(null);
      },
    );
    return () => controller.abort();
  }, [api, rootId, direction, depth, walkTypesKey, initialDirection, initialTotals]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the store is mutated in place by expansions; `version` says when.
  const view = useMemo(() => {
    if (!loaded) return null;
    const started = performance.now();
    const graph = visibleGraph(loaded.store, {
      hiddenClasses,
      hiddenTypes,
      groupThreshold: grouping ? GROUP_THRESHOLD : 0,
      openGroups,
    });
    const bounds = layoutLayers(graph);
    return { graph, bounds, layoutMs: performance.now() - started };
  }, [loaded, version, hiddenClasses, hiddenTypes, grouping, openGroups]);

  const selectedIndex = view && selectedKey !== null ? view.graph.nodeByKey.get(selectedKey) : undefined;
  const selected: VisibleNode | undefined = selectedIndex === undefined ? undefined : view?.graph.nodes[selectedIndex];
  const pathIndices = useMemo(() => {
    if (!view || !explanation?.path) return [];
    return explanation.path
      .map((step) => view.graph.nodeOfCi.get(step.id))
      .filter((index): index is number => index !== undefined);
  }, [view, explanation]);

  const explain = useCallback(
    (ciId: number) => {
      explainController.current?.abort();
      const controller = new AbortController();
      explainController.current = controller;
      setExplanation({ ciId, loading: true, path: null, error: undefined });
      const walkTypes = walkTypesKey === '*' ? undefined : walkTypesKey.split(',').filter((type) => type !== '');
      api.cmdb.cis
        .graph(
          rootId,
          direction,
          { explain: ciId, limit: 0, depth: depthNumber(depth), types: walkTypes },
          controller.signal,
        )
        .then(
          (answer) => {
            if (controller.signal.aborted) return;
            const path = answer.path ?? null;
            setExplanation({ ciId, loading: false, path, error: undefined });
            setAnnouncement(
              path
                ? `Path of ${path.length - 1} hops highlighted.`
                : 'The walk does not reach this CI; no path to show.',
            );
          },
          (error: unknown) => {
            if (!controller.signal.aborted) setExplanation({ ciId, loading: false, path: null, error });
          },
        );
    },
    [api, rootId, direction, depth, walkTypesKey],
  );

  const select = useCallback(
    (index: number | null, reveal = false) => {
      const node = index === null || !view ? undefined : view.graph.nodes[index];
      setSelectedKey(node?.key ?? null);
      if (node) setAnnouncement(`Selected ${node.label}, ${classLabel(node.class)}, depth ${node.depth}.`);
      if (reveal && index !== null) {
        // Chosen from the list: bring it to the middle of the graph, where the pointer can act on it.
        graphCanvas.current?.setSelection(index);
        graphCanvas.current?.centreOn(index);
      }
      if (node?.kind === 'ci' && node.ciId !== null && node.reached && !node.root) explain(node.ciId);
      else {
        explainController.current?.abort();
        setExplanation(null);
      }
    },
    [view, explain],
  );

  const activate = useCallback(
    async (index: number) => {
      const node = view?.graph.nodes[index];
      if (!node || !loaded) return;
      if (node.kind === 'group') {
        anchor.current = { before: node.key, after: ciKey(node.members[0] as number) };
        revealCis.current = node.members;
        setOpenGroups((groups) => new Set(groups).add(node.key));
        setSelectedKey(null);
        setAnnouncement(`Showing the ${node.members.length} CIs of the group.`);
        return;
      }
      if (node.ciId === null || node.expanded) return;
      setBusy(`Expanding ${node.label}…`);
      try {
        const added = await expandCi(api, loaded.store, node.ciId);
        anchor.current = { before: node.key, after: node.key };
        setSelectedKey(node.key);
        setVersion((value) => value + 1);
        setAnnouncement(
          added === 0
            ? `${node.label} has no neighbours outside the graph.`
            : `${added} neighbours of ${node.label} added.`,
        );
      } catch (error) {
        setLoadError(error);
      } finally {
        setBusy(null);
      }
    },
    [api, view, loaded],
  );

  // The canvas calls back through a ref, so it is created once and never sees stale handlers.
  const nodeAt = useCallback((index: number) => view?.graph.nodes[index], [view]);
  const handlers = useRef({ select, activate, nodeAt });
  handlers.current = { select, activate, nodeAt };

  useLayoutEffect(() => {
    const canvas = canvasRef.current;
    const tooltip = tooltipRef.current;
    const figure = figureRef.current;
    if (!canvas || !tooltip || !figure) return;
    const instance = new GraphCanvas(canvas, tooltip, figure, {
      onSelect: (index, by) => {
        const node = index === null ? undefined : handlers.current.nodeAt(index);
        // A group has nothing to explain, so a click opens it; arrow keys only move onto it.
        if (by === 'pointer' && index !== null && node?.kind === 'group') void handlers.current.activate(index);
        else handlers.current.select(index);
      },
      onActivate: (index) => {
        void handlers.current.activate(index);
      },
    });
    graphCanvas.current = instance;
    return () => {
      instance.destroy();
      graphCanvas.current = null;
    };
  }, []);

  useEffect(() => {
    const instance = graphCanvas.current;
    const figure = figureRef.current;
    if (!instance || !view || !figure) return;
    const started = performance.now();
    instance.setGraph(view.graph, view.bounds, anchor.current);
    anchor.current = undefined;
    if (revealCis.current) {
      const indices = revealCis.current.map((ciId) => view.graph.nodeOfCi.get(ciId));
      instance.reveal(indices.filter((index): index is number => index !== undefined));
      revealCis.current = null;
    }
    // The first frame is drawn at once, so the figure below is measured rather than estimated.
    instance.draw();
    const renderMs = view.layoutMs + (performance.now() - started);
    const next = { nodes: view.graph.nodes.length, edges: view.graph.edges.length, layoutMs: view.layoutMs, renderMs };
    figure.dataset.nodes = String(next.nodes);
    figure.dataset.edges = String(next.edges);
    figure.dataset.layoutMs = next.layoutMs.toFixed(1);
    figure.dataset.renderMs = next.renderMs.toFixed(1);
    setFigures(next);
  }, [view]);

  useEffect(() => {
    const instance = graphCanvas.current;
    if (!instance || !view) return;
    instance.setSelection(selectedIndex ?? null);
    instance.setPath(pathIndices);
    // Once per explanation: a later re-layout (an expansion) keeps the camera where the user put it.
    if (explanation?.path && revealed.current !== explanation) {
      revealed.current = explanation;
      instance.reveal(pathIndices);
    }
    if (figureRef.current) figureRef.current.dataset.path = String(pathIndices.length);
  }, [view, selectedIndex, pathIndices, explanation]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: recounted when expansions (version) add CIs.
  const classCounts = useMemo(() => loaded?.store.classCounts() ?? [], [loaded, version]);

  const status = statusLine(loaded, view?.graph.nodes.length ?? 0, depth);
  const walkWord = direction === 'impact' ? 'impact' : 'dependencies';

  return (
    <section
      className={fullScreen ? 'graph graph-full' : 'graph'}
      aria-labelledby={`${id}-title`}
      data-testid="dependency-graph"
    >
      <div className="graph-head">
        <h2 id={`${id}-title`}>{direction === 'impact' ? 'Impact graph' : 'Dependency graph'}</h2>
        <div className="graph-head-links">
          {fullScreen ? (
            <Link to={`/cmdb/cis/${rootId}`}>Back to the CI page</Link>
          ) : (
            <Link to={`/cmdb/cis/${rootId}/graph?direction=${direction}&depth=${depth}`}>Full screen</Link>
          )}
        </div>
      </div>
      <form className="graph-controls" aria-label="Graph options" onSubmit={(event) => event.preventDefault()}>
        <div className="field">
          <label htmlFor={`${id}-direction`}>Show</label>
          <select
            id={`${id}-direction`}
            value={direction}
            onChange={(event) => setDirection(event.target.value as GraphDirection)}
          >
            <option value="impact">impact (what breaks if it changes)</option>
            <option value="dependencies">dependencies (what it needs)</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-depth`}>Depth</label>
          <select
            id={`${id}-depth`}
            value={String(depth)}
            onChange={(event) =>
              setDepth(event.target.value === 'all' ? 'all' : (Number(event.target.value) as DepthChoice))
            }
          >
            {DEPTH_CHOICES.map((choice) => (
              <option key={choice} value={String(choice)}>
                {choice === 'all' ? 'all levels' : `${choice} ${choice === 1 ? 'level' : 'levels'}`}
              </option>
            ))}
          </select>
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={grouping} onChange={(event) => setGrouping(event.target.checked)} />
          Group more than {GROUP_THRESHOLD} CIs of a class
        </label>
        <div className="graph-buttons">
          <button type="button" className="button-secondary" onClick={() => graphCanvas.current?.zoomBy(1.25)}>
            Zoom in
          </button>
          <button type="button" className="button-secondary" onClick={() => graphCanvas.current?.zoomBy(0.8)}>
            Zoom out
          </button>
          <button type="button" className="button-secondary" onClick={() => graphCanvas.current?.fit()}>
            Fit
          </button>
        </div>
        <fieldset className="graph-filter">
          <legend>Relationship types</legend>
          {typeInfos.map((type) => (
            <label key={type.name} className="checkbox" title={type.description}>
              <input
                type="checkbox"
                checked={!hiddenTypes.has(type.name)}
                onChange={() => setHiddenTypes((current) => toggled(current, type.name))}
              />
              <span className="swatch swatch-line" style={{ background: typeColour(type.name) }} aria-hidden="true" />
              {type.name}
              {type.propagation === 'none' && <span className="muted small"> (no impact)</span>}
            </label>
          ))}
        </fieldset>
        <fieldset className="graph-filter">
          <legend>Classes</legend>
          {classCounts.map(({ class: ciClass, count }) => (
            <label key={ciClass} className="checkbox">
              <input
                type="checkbox"
                checked={!hiddenClasses.has(ciClass)}
                onChange={() => setHiddenClasses((current) => toggled(current, ciClass))}
              />
              <span className="swatch" style={{ background: classColour(ciClass) }} aria-hidden="true" />
              {classLabel(ciClass)} <span className="muted small">{count}</span>
            </label>
          ))}
        </fieldset>
      </form>

      <ErrorNotice error={loadError} />
      <p className="graph-status" aria-live="polite">
        {busy ?? status} {announcement && <span className="muted">{announcement}</span>}
      </p>
      {loaded && loaded.totals.count > loaded.answer.count && depth !== 'all' && (
        <p className="notice notice-info">
          {loaded.totals.count - loaded.answer.count} more CIs lie beyond depth {depth}
          {servicesBeyond(loaded) > 0 && `, ${servicesBeyond(loaded)} of them services`}.{' '}
          <button type="button" className="button-link" onClick={() => setDepth('all')}>
            Show all levels
          </button>
        </p>
      )}

      <div className="graph-body">
        {/* The figure takes focus and keys (a canvas cannot carry the application role); the canvas is its picture. */}
        <div
          ref={figureRef}
          className="graph-figure"
          data-testid="graph-figure"
          data-state={busy ? 'busy' : 'ready'}
          role="application"
          // biome-ignore lint/a11y/noNoninteractiveTabindex: role=application is the ARIA pattern for a custom keyboard widget; tabIndex makes it reachable.
          tabIndex={0}
          aria-roledescription="graph"
          aria-label={`${walkWord} graph. Arrow keys move between nodes, Enter expands the selected node, plus and minus zoom, 0 fits, Shift with arrows pans.`}
          aria-describedby={`${id}-keys`}
        >
          <canvas ref={canvasRef} className="graph-canvas" />
          <div ref={tooltipRef} className="graph-tooltip" hidden />
          <p id={`${id}-keys`} className="visually-hidden">
            The same nodes are listed as buttons under “Nodes as a list”.
          </p>
        </div>
        <aside className="graph-panel" aria-label="Selected node">
          {selected ? (
            <SelectedNode
              node={selected}
              explanation={explanation}
              canExplain={selected.kind === 'ci' && selected.reached && !selected.root}
              onExpand={() => selectedIndex !== undefined && void activate(selectedIndex)}
              onRegroup={() => {
                setOpenGroups((groups) => {
                  const next = new Set(groups);
                  next.delete(groupKey(selected.depth, selected.class));
                  return next;
                });
                setSelectedKey(null);
              }}
              regroupable={grouping && openGroups.has(groupKey(selected.depth, selected.class))}
              walkWord={walkWord}
            />
          ) : (
            <p className="muted">
              Click a CI to see why it is reached, a group to open it; double-click a CI (or press Enter) to expand its
              neighbours. Drag to pan, scroll to zoom.
            </p>
          )}
          <Legend />
          {figures && (
            <p className="muted small" data-testid="graph-figures">
              {figures.nodes} nodes, {figures.edges} lines; laid out and drawn in {figures.renderMs.toFixed(0)} ms.
            </p>
          )}
        </aside>
      </div>

      <details className="graph-list" onToggle={(event) => setListOpen(event.currentTarget.open)}>
        <summary>Nodes as a list ({view?.graph.nodes.length ?? 0})</summary>
        {listOpen && view && (
          <ul className="plain graph-node-list">
            {[...view.graph.nodes.keys()]
              .sort((a, b) => {
                const left = view.graph.nodes[a] as VisibleNode;
                const right = view.graph.nodes[b] as VisibleNode;
                return left.depth - right.depth || left.x - right.x || left.y - right.y;
              })
              .map((index) => {
                const node = view.graph.nodes[index] as VisibleNode;
                return (
                  <li key={node.key}>
                    <button
                      type="button"
                      className="button-link"
                      aria-pressed={node.key === selectedKey}
                      onClick={() => select(index, true)}
                    >
                      {node.label}
                    </button>{' '}
                    <span className="muted small">
                      {classLabel(node.class)}, depth {node.depth}
                    </span>
                  </li>
                );
              })}
          </ul>
        )}
      </details>
    </section>
  );
}

function servicesBeyond(loaded: Loaded): number {
  const total = loaded.totals.summary.find((entry) => entry.class === 'service')?.count ?? 0;
  const shown = loaded.answer.summary.find((entry) => entry.class === 'service')?.count ?? 0;
  return total - shown;
}

function statusLine(loaded: Loaded | null, nodes: number, depth: DepthChoice): string {
  if (!loaded) return '';
  const { answer } = loaded;
  const services = answer.summary.find((entry) => entry.class === 'service')?.count ?? 0;
  const parts = [
    `${answer.count} CIs reached${depth === 'all' ? '' : ` within ${depth} ${depth === 1 ? 'level' : 'levels'}`}` +
      (services > 0 ? `, ${services} ${services === 1 ? 'service' : 'services'}` : ''),
    `${nodes} nodes on screen`,
  ];
  if (answer.count > MAX_WALK_CIS) parts.push(`the nearest ${MAX_WALK_CIS} are drawn`);
  if (loaded.linkedCis < loaded.linkLookupsNeeded) {
    parts.push(`links loaded for ${loaded.linkedCis} of ${loaded.linkLookupsNeeded} CIs (expand a node for its links)`);
  }
  return `${parts.join(' · ')}.`;
}

function SelectedNode({
  node,
  explanation,
  canExplain,
  onExpand,
  onRegroup,
  regroupable,
  walkWord,
}: {
  node: VisibleNode;
  explanation: Explanation | null;
  canExplain: boolean;
  onExpand: () => void;
  onRegroup: () => void;
  regroupable: boolean;
  walkWord: string;
}) {
  if (node.kind === 'group') {
    return (
      <div data-testid="graph-selection">
        <h3>{node.label}</h3>
        <p className="muted">
          {node.members.length} {classLabel(node.class)} CIs at depth {node.depth}, shown as one node.
        </p>
        <button type="button" onClick={onExpand}>
          Show all {node.members.length}
        </button>
      </div>
    );
  }
  return (
    <div data-testid="graph-selection">
      <p className="muted small">
        {classLabel(node.class)} · depth {node.depth}
        {node.root && ' · the CI this graph starts from'}
      </p>
      <h3>
        <Link to={`/cmdb/cis/${node.ciId}`}>{node.label}</Link>
      </h3>
      <div className="actions">
        <button type="button" onClick={onExpand} disabled={node.expanded}>
          {node.expanded ? 'Expanded' : 'Expand neighbours'}
        </button>
        {regroupable && (
          <button type="button" className="button-secondary" onClick={onRegroup}>
            Group again
          </button>
        )}
      </div>
      {!node.root && !node.reached && (
        <p className="muted small">Shown because a neighbour was expanded; the {walkWord} walk does not reach it.</p>
      )}
      {canExplain && explanation?.ciId === node.ciId && (
        <div className="explain" aria-live="polite">
          <h3>Why it is reached</h3>
          <ErrorNotice error={explanation.error} />
          {explanation.loading && <p className="muted">Finding the path…</p>}
          {explanation.path && (
            <ol className="explain-path" data-testid="explain-path">
              {explanation.path.map((step, index) => (
                <Fragment key={step.id}>
                  {step.via && (
                    <li className="explain-step explain-via" aria-label={`via ${step.via}`}>
                      ↓ <code>{step.via}</code>
                    </li>
                  )}
                  <li className={index === 0 ? 'explain-step explain-root' : 'explain-step'}>
                    <Link to={`/cmdb/cis/${step.id}`}>{step.name}</Link>{' '}
                    <span className="muted small">{classLabel(step.class)}</span>
                  </li>
                </Fragment>
              ))}
            </ol>
          )}
          {!explanation.loading && !explanation.error && !explanation.path && (
            <p className="muted">The walk does not reach this CI with the current filters.</p>
          )}
        </div>
      )}
    </div>
  );
}

function Legend() {
  return (
    <p className="muted small graph-legend">
      Lines point from a relationship's source to its target; a thick line stands for several. A stacked node is a
      group; an amber outline marks the explained path.
    </p>
  );
}
