import { describe, expect, it } from 'vitest';
import { layoutLayers } from './graph-layout.js';
import { GraphStore, groupKey, type ViewOptions, visibleGraph } from './graph-model.js';

const NO_FILTERS: ViewOptions = {
  hiddenClasses: new Set(),
  hiddenTypes: new Set(),
  groupThreshold: 10,
  openGroups: new Set(),
};

/** openssl installed on 15 desktops and 2 servers; an application runs on the first server. */
function sampleStore(): GraphStore {
  const store = new GraphStore(1);
  store.addCi({ id: 1, class: 'software', name: 'openssl', depth: 0, reached: false, expanded: false });
  let link = 100;
  for (let id = 10; id < 25; id++) {
    store.addCi({ id, class: 'desktop', name: `DT${id}`, depth: 1, reached: true, expanded: false });
    store.addLink({ id: link++, sourceId: 1, targetId: id, type: 'installed_on' });
  }
  for (const id of [30, 31]) {
    store.addCi({ id, class: 'server', name: `srv${id}`, depth: 1, reached: true, expanded: false });
    store.addLink({ id: link++, sourceId: 1, targetId: id, type: 'installed_on' });
  }
  store.addCi({ id: 40, class: 'application', name: 'billing', depth: 2, reached: true, expanded: false });
  store.addLink({ id: link++, sourceId: 40, targetId: 30, type: 'runs_on' });
  // Two desktops linked to each other: inside one group, this line has nowhere to go.
  store.addLink({ id: link++, sourceId: 10, targetId: 11, type: 'connected_to' });
  return store;
}

describe('visibleGraph', () => {
  it('groups more than the threshold of one class at one depth, never the root', () => {
    const graph = visibleGraph(sampleStore(), NO_FILTERS);
    const labels = graph.nodes.map((node) => node.label).sort();
    expect(labels).toEqual(['+15 desktops', 'billing', 'openssl', 'srv30', 'srv31']);
    const group = graph.nodes[graph.nodeByKey.get(groupKey(1, 'desktop')) as number];
    expect(group?.kind).toBe('group');
    expect(group?.members).toHaveLength(15);
    // The 15 installed_on links become one line of weight 15; the desktop-to-desktop link disappears.
    const root = graph.nodeByKey.get('ci:1');
    const fan = graph.edges.find(
      (edge) => edge.from === root && edge.to === graph.nodeByKey.get(groupKey(1, 'desktop')),
    );
    expect(fan).toMatchObject({ type: 'installed_on', count: 15 });
    expect(graph.edges.some((edge) => edge.type === 'connected_to')).toBe(false);
    expect(graph.nodeOfCi.get(17)).toBe(graph.nodeByKey.get(groupKey(1, 'desktop')));
  });

  it('shows every CI when grouping is off or the group is opened, and pulls expanded CIs out of groups', () => {
    const store = sampleStore();
    expect(visibleGraph(store, { ...NO_FILTERS, groupThreshold: 0 }).nodes).toHaveLength(19);
    expect(visibleGraph(store, { ...NO_FILTERS, openGroups: new Set([groupKey(1, 'desktop')]) }).nodes).toHaveLength(
      19,
    );
    const desktop = store.cis.get(12);
    if (desktop) desktop.expanded = true;
    const graph = visibleGraph(store, NO_FILTERS);
    expect(graph.nodeByKey.has('ci:12')).toBe(true);
    expect(graph.nodes.find((node) => node.kind === 'group')?.label).toBe('+14 desktops');
  });

  it('hides classes (not the root) and relationship types', () => {
    const graph = visibleGraph(sampleStore(), {
      ...NO_FILTERS,
      hiddenClasses: new Set(['desktop', 'software']),
      hiddenTypes: new Set(['runs_on']),
    });
    expect(graph.nodes.map((node) => node.label).sort()).toEqual(['billing', 'openssl', 'srv30', 'srv31']);
    expect(graph.hiddenByClass).toBe(15);
    expect(graph.edges.map((edge) => edge.type)).toEqual(['installed_on', 'installed_on']);
  });

  it('keeps the smallest depth and the reached flag when a CI is added again', () => {
    const store = sampleStore();
    store.addCi({ id: 40, class: 'application', name: 'billing', depth: 1, reached: false, expanded: false });
    expect(store.cis.get(40)).toMatchObject({ depth: 1, reached: true });
    expect(store.classCounts()[0]).toEqual({ class: 'application', count: 1 });
  });
});

describe('layoutLayers', () => {
  it('puts each depth in its own band, left to right, and wraps a big band into columns', () => {
    const store = sampleStore();
    const graph = visibleGraph(store, { ...NO_FILTERS, groupThreshold: 0 });
    const bounds = layoutLayers(graph);
    const xOf = (key: string) => graph.nodes[graph.nodeByKey.get(key) as number]?.x as number;
    expect(xOf('ci:1')).toBe(0);
    expect(xOf('ci:30')).toBeGreaterThan(xOf('ci:1'));
    expect(xOf('ci:40')).toBeGreaterThan(xOf('ci:30'));
    // Depth 1 fits one column; servers come before desktops in it.
    const yOf = (ciClass: string) => graph.nodes.filter((node) => node.class === ciClass).map((node) => node.y);
    expect(Math.max(...yOf('server'))).toBeLessThan(Math.min(...yOf('desktop')));
    expect(bounds.maxX).toBeGreaterThan(bounds.minX);

    const big = new GraphStore(1);
    big.addCi({ id: 1, class: 'software', name: 'root', depth: 0, reached: false, expanded: false });
    for (let id = 2; id < 2002; id++) {
      big.addCi({ id, class: 'desktop', name: `DT${id}`, depth: 1, reached: true, expanded: false });
    }
    const bigGraph = visibleGraph(big, { ...NO_FILTERS, groupThreshold: 0 });
    layoutLayers(bigGraph);
    const columns = new Set(bigGraph.nodes.filter((node) => node.depth === 1).map((node) => node.x));
    const rows = new Set(bigGraph.nodes.filter((node) => node.depth === 1).map((node) => node.y));
    // About as tall as wide in rows and columns, not a tower of 2,000.
    expect(rows.size).toBeLessThan(100);
    expect(columns.size).toBeGreaterThan(20);
  });

  it('is deterministic', () => {
    const first = visibleGraph(sampleStore(), NO_FILTERS);
    const second = visibleGraph(sampleStore(), NO_FILTERS);
    layoutLayers(first);
    layoutLayers(second);
    expect(first.nodes.map((node) => [node.key, node.x, node.y])).toEqual(
      second.nodes.map((node) => [node.key, node.x, node.y]),
    );
  });
});
