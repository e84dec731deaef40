import { type LayoutBounds, NODE_HEIGHT, NODE_WIDTH } from './graph-layout.js';
import type { VisibleEdge, VisibleGraph, VisibleNode } from './graph-model.js';

/** Colours per class; the legend reads the same table. Unknown classes get a stable colour from their name. */
export const CLASS_COLOURS: Readonly<Record<string, string>> = {
  service: '#b42318',
  application: '#1d4ed8',
  database: '#7c3aed',
  messaging: '#a21caf',
  virtual_machine: '#0e7490',
  server: '#155e75',
  storage: '#4d7c0f',
  network_device: '#b45309',
  desktop: '#475569',
  software: '#15803d',
  document: '#6b7280',
  site: '#92400e',
  hardware_model: '#57534e',
};

export const TYPE_COLOURS: Readonly<Record<string, string>> = {
  depends_on: '#1d4ed8',
  runs_on: '#0e7490',
  installed_on: '#15803d',
  part_of: '#7c3aed',
  connected_to: '#b45309',
  located_in: '#92400e',
};

const PATH_COLOUR = '#f59e0b';
const SELECTION_COLOUR = '#111827';
const FONT_SIZE = 12;
/** Labels are drawn only when they would be at least this many screen pixels tall. */
const MIN_LABEL_PIXELS = 7;
const MIN_SCALE = 0.02;
const MAX_SCALE = 4;

export function classColour(ciClass: string): string {
  const known = CLASS_COLOURS[ciClass];
  if (known) return known;
  let hash = 0;
  for (const char of ciClass) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return `hsl(${hash % 360} 55% 38%)`;
}

export function typeColour(type: string): string {
  return TYPE_COLOURS[type] ?? '#64748b';
}

export interface GraphCanvasEvents {
  /** A node was chosen (a click, or arrow keys), or the background was clicked (null). */
  onSelect(index: number | null, by: 'pointer' | 'keyboard'): void;
  /** A node was activated (double-click, Enter): expand it. */
  onActivate(index: number): void;
}

/** Figures of the last frame, for the page and the end-to-end performance test. */
export interface DrawStats {
  drawMs: number;
  drawnNodes: number;
  drawnEdges: number;
  frames: number;
}

interface Camera {
  scale: number;
  /** Screen position (CSS pixels) of graph point (0, 0). */
  x: number;
  y: number;
}

/**
 * Draws a laid-out graph on a canvas and handles pan (drag, arrow keys with Shift), zoom (wheel,
 * +/-), selection (click, arrow keys) and activation (double-click, Enter).
 *
 * Canvas, not SVG: thousands of nodes as DOM elements make every pan a style and layout pass,
 * while a canvas frame is a few thousand draw calls. Frames are drawn only on demand (one
 * requestAnimationFrame per burst of changes), nodes off screen are skipped, and labels are
 * left out when they would be too small to read, so a frame stays a few milliseconds at 2,000+
 * nodes. Node positions come from the layout and never move on their own.
 */
export class GraphCanvas {
  readonly stats: DrawStats = { drawMs: 0, drawnNodes: 0, drawnEdges: 0, frames: 0 };
  #graph: VisibleGraph = { nodes: [], edges: [], nodeOfCi: new Map(), nodeByKey: new Map(), hiddenByClass: 0 };
  #bounds: LayoutBounds = { minX: 0, minY: 0, maxX: 0, maxY: 0 };
  #camera: Camera = { scale: 1, x: 0, y: 0 };
  #selected: number | null = null;
  #path: number[] = [];
  #pathSet = new Set<number>();
  #hover: number | null = null;
  #frame = 0;
  #width = 0;
  #height = 0;
  #labels = new Map<string, string>();
  #charWidths = new Map<string, number>();
  #drag: {
    pointerId: number;
    startX: number;
    startY: number;
    cameraX: number;
    cameraY: number;
    moved: boolean;
  } | null = null;
  #resizeObserver: ResizeObserver;
  #abort = new AbortController();

  /**
   * @param keyTarget the focusable element that receives the keyboard (the canvas's labelled
   *   container: a canvas itself cannot carry an accessible role and name well).
   */
  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly tooltip: HTMLElement,
    keyTarget: HTMLElement,
    private readonly events: GraphCanvasEvents,
  ) {
    const signal = this.#abort.signal;
    canvas.addEventListener('pointerdown', (event) => this.#pointerDown(event), { signal });
    canvas.addEventListener('pointermove', (event) => this.#pointerMove(event), { signal });
    canvas.addEventListener('pointerup', (event) => this.#pointerUp(event), { signal });
    canvas.addEventListener('pointercancel', () => this.#endDrag(), { signal });
    canvas.addEventListener('pointerleave', () => this.#setHover(null, 0, 0), { signal });
    canvas.addEventListener('dblclick', (event) => this.#doubleClick(event), { signal });
    // Not passive: the wheel zooms the graph instead of scrolling the page.
    canvas.addEventListener('wheel', (event) => this.#wheel(event), { signal, passive: false });
    keyTarget.addEventListener('keydown', (event) => this.#keyDown(event), { signal });
    this.#resizeObserver = new ResizeObserver(() => this.#resize());
    this.#resizeObserver.observe(canvas);
    this.#resize();
  }

  destroy(): void {
    this.#abort.abort();
    this.#resizeObserver.disconnect();
    cancelAnimationFrame(this.#frame);
  }

  /**
   * Shows a new graph. With an anchor, the camera keeps that node where it was on screen (after
   * an expansion the node the user clicked does not jump away); `after` names it in the new graph
   * when its key changed (an opened group becomes its first member). Otherwise the graph is fitted.
   */
  setGraph(graph: VisibleGraph, bounds: LayoutBounds, anchor?: { before: string; after: string }): void {
    const anchorIndex = anchor === undefined ? undefined : this.#graph.nodeByKey.get(anchor.before);
    const before = anchorIndex === undefined ? undefined : this.#graph.nodes[anchorIndex];
    this.#graph = graph;
    this.#bounds = bounds;
    this.#selected = null;
    this.#path = [];
    this.#pathSet = new Set();
    this.#hover = null;
    this.tooltip.hidden = true;
    const afterIndex = anchor === undefined ? undefined : graph.nodeByKey.get(anchor.after);
    const after = afterIndex === undefined ? undefined : graph.nodes[afterIndex];
    if (before && after) {
      this.#camera.x += (before.x - after.x) * this.#camera.scale;
      this.#camera.y += (before.y - after.y) * this.#camera.scale;
      this.requestDraw();
    } else {
      this.fit();
    }
  }

  get selected(): number | null {
    return this.#selected;
  }

  setSelection(index: number | null, reveal = false): void {
    this.#selected = index;
    if (reveal && index !== null) this.#reveal(index);
    this.requestDraw();
  }

  /** Highlights a path (visible node indices, root first); every other node is dimmed. */
  setPath(path: readonly number[]): void {
    this.#path = [...path];
    this.#pathSet = new Set(path);
    this.requestDraw();
  }

  fit(): void {
    const width = Math.max(1, this.#bounds.maxX - this.#bounds.minX);
    const height = Math.max(1, this.#bounds.maxY - this.#bounds.minY);
    const margin = 32;
    const scale = clamp(
      Math.min((this.#width - 2 * margin) / width, (this.#height - 2 * margin) / height, 1.25),
      MIN_SCALE,
      MAX_SCALE,
    );
    this.#camera = {
      scale,
      x: this.#width / 2 - ((this.#bounds.minX + this.#bounds.maxX) / 2) * scale,
      y: this.#height / 2 - ((this.#bounds.minY + this.#bounds.maxY) / 2) * scale,
    };
    this.requestDraw();
  }

  /** Zooms by `factor` around a screen point (the centre by default). */
  zoomBy(factor: number, screenX = this.#width / 2, screenY = this.#height / 2): void {
    const scale = clamp(this.#camera.scale * factor, MIN_SCALE, MAX_SCALE);
    const ratio = scale / this.#camera.scale;
    this.#camera = {
      scale,
      x: screenX - (screenX - this.#camera.x) * ratio,
      y: screenY - (screenY - this.#camera.y) * ratio,
    };
    this.requestDraw();
  }

  /**
   * Brings nodes into view when some are off screen (an explained path that leaves the window):
   * fits their bounding box, never zooming in past 1:1. Leaves the camera alone when all show.
   */
  reveal(indices: readonly number[]): void {
    const nodes = indices.map((index) => this.#graph.nodes[index]).filter((node) => node !== undefined);
    if (nodes.length === 0) return;
    const { scale, x, y } = this.#camera;
    const margin = 24;
    const onScreen = (node: VisibleNode) => {
      const left = (node.x - NODE_WIDTH / 2) * scale + x;
      const right = (node.x + NODE_WIDTH / 2) * scale + x;
      const top = (node.y - NODE_HEIGHT / 2) * scale + y;
      const bottom = (node.y + NODE_HEIGHT / 2) * scale + y;
      return left >= margin && right <= this.#width - margin && top >= margin && bottom <= this.#height - margin;
    };
    if (nodes.every(onScreen)) return;
    const minX = Math.min(...nodes.map((node) => node.x)) - NODE_WIDTH / 2;
    const maxX = Math.max(...nodes.map((node) => node.x)) + NODE_WIDTH / 2;
    const minY = Math.min(...nodes.map((node) => node.y)) - NODE_HEIGHT / 2;
    const maxY = Math.max(...nodes.map((node) => node.y)) + NODE_HEIGHT / 2;
    const fitted = clamp(
      Math.min((this.#width - 4 * margin) / (maxX - minX), (this.#height - 4 * margin) / (maxY - minY), 1),
      MIN_SCALE,
      MAX_SCALE,
    );
    this.#camera = {
      scale: fitted,
      x: this.#width / 2 - ((minX + maxX) / 2) * fitted,
      y: this.#height / 2 - ((minY + maxY) / 2) * fitted,
    };
    this.requestDraw();
  }

  /** Centres a node and zooms in far enough to read it. */
  centreOn(index: number): void {
    const node = this.#graph.nodes[index];
    if (!node) return;
    const scale = Math.max(this.#camera.scale, 1);
    this.#camera = { scale, x: this.#width / 2 - node.x * scale, y: this.#height / 2 - node.y * scale };
    this.requestDraw();
  }

  /** The node under a point of the canvas (CSS pixels from its top left corner), if any. */
  nodeAt(screenX: number, screenY: number): number | null {
    const x = (screenX - this.#camera.x) / this.#camera.scale;
    const y = (screenY - this.#camera.y) / this.#camera.scale;
    const nodes = this.#graph.nodes;
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i] as VisibleNode;
      if (Math.abs(x - node.x) <= NODE_WIDTH / 2 && Math.abs(y - node.y) <= NODE_HEIGHT / 2) return i;
    }
    return null;
  }

  requestDraw(): void {
    if (this.#frame !== 0) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.draw();
    });
  }

  /** Draws one frame now. */
  draw(): void {
    const started = performance.now();
    const context = this.canvas.getContext('2d');
    if (!context) return;
    const ratio = window.devicePixelRatio || 1;
    const { scale, x: cameraX, y: cameraY } = this.#camera;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, this.canvas.width, this.canvas.height);
    context.setTransform(ratio * scale, 0, 0, ratio * scale, ratio * cameraX, ratio * cameraY);

    // The part of the graph on screen, with a node's margin so boxes cut by the edge still draw.
    const view = {
      minX: -cameraX / scale - NODE_WIDTH,
      minY: -cameraY / scale - NODE_HEIGHT,
      maxX: (this.#width - cameraX) / scale + NODE_WIDTH,
      maxY: (this.#height - cameraY) / scale + NODE_HEIGHT,
    };
    const nodes = this.#graph.nodes;
    const dimming = this.#path.length > 0;
    const drawnEdges = this.#drawEdges(context, view, dimming);
    if (dimming) this.#drawPath(context);

    let drawnNodes = 0;
    const labels = scale * FONT_SIZE >= MIN_LABEL_PIXELS;
    context.font = `${FONT_SIZE}px system-ui, sans-serif`;
    context.textBaseline = 'middle';
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i] as VisibleNode;
      if (node.x < view.minX || node.x > view.maxX || node.y < view.minY || node.y > view.maxY) continue;
      drawnNodes++;
      context.globalAlpha = dimming && !this.#pathSet.has(i) ? 0.3 : 1;
      this.#drawNode(context, node, i, labels, scale);
    }
    context.globalAlpha = 1;

    const drawMs = performance.now() - started;
    this.stats.drawMs = drawMs;
    this.stats.drawnNodes = drawnNodes;
    this.stats.drawnEdges = drawnEdges;
    this.stats.frames++;
    // Figures in the DOM for the performance test and for curious people with dev tools open.
    this.canvas.dataset.drawMs = drawMs.toFixed(2);
    this.canvas.dataset.frames = String(this.stats.frames);
  }

  #drawEdges(context: CanvasRenderingContext2D, view: Rect, dimming: boolean): number {
    const nodes = this.#graph.nodes;
    const scale = this.#camera.scale;
    const byType = new Map<string, VisibleEdge[]>();
    let drawn = 0;
    for (const edge of this.#graph.edges) {
      const from = nodes[edge.from] as VisibleNode;
      const to = nodes[edge.to] as VisibleNode;
      if (!segmentMayCross(from, to, view)) continue;
      const list = byType.get(edge.type);
      if (list) list.push(edge);
      else byType.set(edge.type, [edge]);
      drawn++;
    }
    // Dense fans (a hub linked to thousands) are drawn lighter so the nodes stay readable.
    const alpha = (dimming ? 0.25 : 1) * (drawn > 1500 ? 0.35 : drawn > 300 ? 0.6 : 0.85);
    const arrows = scale >= 0.5;
    for (const [type, edges] of byType) {
      context.strokeStyle = typeColour(type);
      context.fillStyle = typeColour(type);
      context.globalAlpha = alpha;
      // One path per line width: a stroke per edge would cost a draw call each.
      const widths = new Map<number, VisibleEdge[]>();
      for (const edge of edges) {
        const width = edge.count > 1 ? Math.min(1 + Math.log2(edge.count), 6) : 1;
        const list = widths.get(width);
        if (list) list.push(edge);
        else widths.set(width, [edge]);
      }
      for (const [width, list] of widths) {
        context.lineWidth = width / scale;
        context.beginPath();
        for (const edge of list) {
          const [x1, y1, x2, y2] = edgeEnds(nodes[edge.from] as VisibleNode, nodes[edge.to] as VisibleNode);
          context.moveTo(x1, y1);
          context.lineTo(x2, y2);
        }
        context.stroke();
      }
      if (arrows) {
        context.beginPath();
        for (const edge of edges) {
          const [x1, y1, x2, y2] = edgeEnds(nodes[edge.from] as VisibleNode, nodes[edge.to] as VisibleNode);
          // Only heads on screen: a hub's lines cross the view, most of their ends do not.
          if (x2 < view.minX || x2 > view.maxX || y2 < view.minY || y2 > view.maxY) continue;
          arrowHead(context, x1, y1, x2, y2, 7);
        }
        context.fill();
      }
    }
    context.globalAlpha = 1;
    return drawn;
  }

  #drawPath(context: CanvasRenderingContext2D): void {
    const nodes = this.#graph.nodes;
    context.strokeStyle = PATH_COLOUR;
    context.fillStyle = PATH_COLOUR;
    context.lineWidth = 4 / this.#camera.scale;
    context.beginPath();
    for (let i = 1; i < this.#path.length; i++) {
      const from = nodes[this.#path[i - 1] as number];
      const to = nodes[this.#path[i] as number];
      if (!from || !to || from === to) continue;
      const [x1, y1, x2, y2] = edgeEnds(from, to);
      context.moveTo(x1, y1);
      context.lineTo(x2, y2);
    }
    context.stroke();
  }

  #drawNode(context: CanvasRenderingContext2D, node: VisibleNode, index: number, labels: boolean, scale: number): void {
    const colour = classColour(node.class);
    const left = node.x - NODE_WIDTH / 2;
    const top = node.y - NODE_HEIGHT / 2;
    const pixel = 1 / scale;
    if (node.kind === 'group') {
      // A stack of cards: this node stands for many.
      context.fillStyle = '#ffffff';
      context.strokeStyle = colour;
      context.lineWidth = pixel;
      context.fillRect(left + 6, top - 6, NODE_WIDTH, NODE_HEIGHT);
      context.strokeRect(left + 6, top - 6, NODE_WIDTH, NODE_HEIGHT);
      context.fillRect(left + 3, top - 3, NODE_WIDTH, NODE_HEIGHT);
      context.strokeRect(left + 3, top - 3, NODE_WIDTH, NODE_HEIGHT);
    }
    context.fillStyle = node.root ? colour : '#ffffff';
    context.fillRect(left, top, NODE_WIDTH, NODE_HEIGHT);
    context.fillStyle = colour;
    context.fillRect(left, top, 6, NODE_HEIGHT);
    const onPath = this.#pathSet.has(index);
    context.strokeStyle = onPath ? PATH_COLOUR : colour;
    context.lineWidth = (onPath ? 3 : node.root ? 2 : 1) * pixel;
    context.strokeRect(left, top, NODE_WIDTH, NODE_HEIGHT);
    if (index === this.#selected || index === this.#hover) {
      context.strokeStyle = index === this.#selected ? SELECTION_COLOUR : '#94a3b8';
      context.lineWidth = 2.5 * pixel;
      const inset = -4 * pixel;
      context.strokeRect(left + inset, top + inset, NODE_WIDTH - 2 * inset, NODE_HEIGHT - 2 * inset);
    }
    if (labels) {
      context.fillStyle = node.root ? '#ffffff' : '#111827';
      context.fillText(this.#label(context, node), left + 11, node.y + 0.5);
    }
  }

  /**
   * The label cut to fit the box, computed once per node and kept. Widths are summed from
   * per-character widths measured once each (kerning ignored, which a cut with an ellipsis
   * tolerates): measureText per label made the first frame with labels tens of milliseconds.
   */
  #label(context: CanvasRenderingContext2D, node: VisibleNode): string {
    const key = `${node.key}|${node.label}|${node.expanded}`;
    const cached = this.#labels.get(key);
    if (cached !== undefined) return cached;
    const room = NODE_WIDTH - 16;
    const text = node.expanded ? `${node.label} ⊕` : node.label;
    let width = 0;
    let cut = text.length;
    const ellipsis = this.#charWidth(context, '…');
    for (let i = 0; i < text.length; i++) {
      width += this.#charWidth(context, text[i] as string);
      if (width + ellipsis > room && cut === text.length) cut = i;
    }
    const label = width <= room ? text : `${text.slice(0, cut)}…`;
    this.#labels.set(key, label);
    return label;
  }

  #charWidth(context: CanvasRenderingContext2D, char: string): number {
    let width = this.#charWidths.get(char);
    if (width === undefined) {
      width = context.measureText(char).width;
      this.#charWidths.set(char, width);
    }
    return width;
  }

  #reveal(index: number): void {
    const node = this.#graph.nodes[index];
    if (!node) return;
    const x = node.x * this.#camera.scale + this.#camera.x;
    const y = node.y * this.#camera.scale + this.#camera.y;
    const margin = 40;
    const tooSmall = this.#camera.scale * FONT_SIZE < MIN_LABEL_PIXELS;
    if (tooSmall || x < margin || y < margin || x > this.#width - margin || y > this.#height - margin) {
      this.centreOn(index);
    }
  }

  #resize(): void {
    const rect = this.canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    const firstSize = this.#width === 0;
    this.#width = Math.max(1, rect.width);
    this.#height = Math.max(1, rect.height);
    this.canvas.width = Math.round(this.#width * ratio);
    this.canvas.height = Math.round(this.#height * ratio);
    if (firstSize) this.fit();
    else this.requestDraw();
  }

  #point(event: MouseEvent): { x: number; y: number } {
    const rect = this.canvas.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }

  #pointerDown(event: PointerEvent): void {
    if (event.button !== 0) return;
    this.canvas.setPointerCapture(event.pointerId);
    this.#drag = {
      pointerId: event.pointerId,
      startX: event.clientX,
      startY: event.clientY,
      cameraX: this.#camera.x,
      cameraY: this.#camera.y,
      moved: false,
    };
  }

  #pointerMove(event: PointerEvent): void {
    const drag = this.#drag;
    if (drag && drag.pointerId === event.pointerId) {
      const dx = event.clientX - drag.startX;
      const dy = event.clientY - drag.startY;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      drag.moved = true;
      this.#camera.x = drag.cameraX + dx;
      this.#camera.y = drag.cameraY + dy;
      this.canvas.style.cursor = 'grabbing';
      this.requestDraw();
      return;
    }
    const { x, y } = this.#point(event);
    this.#setHover(this.nodeAt(x, y), x, y);
  }

  #pointerUp(event: PointerEvent): void {
    const drag = this.#drag;
    this.#endDrag();
    if (!drag || drag.moved || drag.pointerId !== event.pointerId) return;
    const { x, y } = this.#point(event);
    const index = this.nodeAt(x, y);
    this.#selected = index;
    this.requestDraw();
    this.events.onSelect(index, 'pointer');
  }

  #endDrag(): void {
    this.#drag = null;
    this.canvas.style.cursor = '';
  }

  #doubleClick(event: MouseEvent): void {
    const { x, y } = this.#point(event);
    const index = this.nodeAt(x, y);
    if (index !== null) this.events.onActivate(index);
  }

  #wheel(event: WheelEvent): void {
    event.preventDefault();
    const { x, y } = this.#point(event);
    // Line-mode wheels (Firefox) report lines, not pixels.
    const delta = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY;
    this.zoomBy(Math.exp(-delta * 0.0015), x, y);
  }

  #setHover(index: number | null, x: number, y: number): void {
    if (index !== this.#hover) {
      this.#hover = index;
      this.canvas.style.cursor = index === null ? '' : 'pointer';
      this.requestDraw();
    }
    const node = index === null ? undefined : this.#graph.nodes[index];
    if (!node) {
      this.tooltip.hidden = true;
      return;
    }
    this.tooltip.textContent =
      node.kind === 'group'
        ? `${node.label} at depth ${node.depth} (click to show them)`
        : `${node.class.replaceAll('_', ' ')} · ${node.label} · depth ${node.depth}`;
    this.tooltip.style.left = `${Math.min(x + 14, this.#width - 260)}px`;
    this.tooltip.style.top = `${y + 16}px`;
    this.tooltip.hidden = false;
  }

  #keyDown(event: KeyboardEvent): void {
    const directions: Record<string, [number, number]> = {
      ArrowRight: [1, 0],
      ArrowLeft: [-1, 0],
      ArrowDown: [0, 1],
      ArrowUp: [0, -1],
    };
    const direction = directions[event.key];
    if (direction && event.shiftKey) {
      // Shift+arrows pan by a quarter of the view.
      this.#camera.x -= direction[0] * this.#width * 0.25;
      this.#camera.y -= direction[1] * this.#height * 0.25;
      this.requestDraw();
    } else if (direction) {
      const next = this.#selected === null ? this.#rootIndex() : this.#neighbourInDirection(this.#selected, direction);
      if (next !== null) {
        this.setSelection(next, true);
        this.events.onSelect(next, 'keyboard');
      }
    } else if ((event.key === 'Enter' || event.key === ' ') && this.#selected !== null) {
      this.events.onActivate(this.#selected);
    } else if (event.key === '+' || event.key === '=') {
      this.zoomBy(1.25);
    } else if (event.key === '-' || event.key === '_') {
      this.zoomBy(0.8);
    } else if (event.key === '0') {
      this.fit();
    } else if (event.key === 'Escape' && this.#selected !== null) {
      this.setSelection(null);
      this.events.onSelect(null, 'keyboard');
    } else {
      return;
    }
    event.preventDefault();
  }

  #rootIndex(): number | null {
    const index = this.#graph.nodes.findIndex((node) => node.root);
    return index >= 0 ? index : this.#graph.nodes.length > 0 ? 0 : null;
  }

  /** The closest node roughly in a direction: distance along it plus a penalty for straying sideways. */
  #neighbourInDirection(from: number, [ux, uy]: [number, number]): number | null {
    const origin = this.#graph.nodes[from];
    if (!origin) return null;
    let best: number | null = null;
    let bestScore = Number.POSITIVE_INFINITY;
    this.#graph.nodes.forEach((node, index) => {
      if (index === from) return;
      const dx = node.x - origin.x;
      const dy = node.y - origin.y;
      const along = dx * ux + dy * uy;
      if (along <= 0) return;
      const across = Math.abs(dx * uy - dy * ux);
      const score = along + 3 * across;
      if (score < bestScore) {
        bestScore = score;
        best = index;
      }
    });
    return best;
  }
}

interface Rect {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/** From the side of one box facing the other to the facing side of the other. */
function edgeEnds(from: VisibleNode, to: VisibleNode): [number, number, number, number] {
  const half = NODE_WIDTH / 2;
  if (Math.abs(to.x - from.x) < 1) {
    // Same column (a neighbour added beside its layer): join the right edges so the line stays visible.
    return [from.x + half, from.y, to.x + half, to.y];
  }
  const direction = to.x > from.x ? 1 : -1;
  return [from.x + direction * half, from.y, to.x - direction * half, to.y];
}

/** Adds a small filled arrowhead at (x2, y2) pointing along the segment to the current path. */
function arrowHead(
  context: CanvasRenderingContext2D,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  size: number,
): void {
  const angle = Math.atan2(y2 - y1, x2 - x1);
  context.moveTo(x2, y2);
  context.lineTo(x2 - size * Math.cos(angle - 0.4), y2 - size * Math.sin(angle - 0.4));
  context.lineTo(x2 - size * Math.cos(angle + 0.4), y2 - size * Math.sin(angle + 0.4));
  context.closePath();
}

/** Cheap rejection: a segment whose bounding box misses the view is not drawn. */
function segmentMayCross(from: VisibleNode, to: VisibleNode, view: Rect): boolean {
  return !(
    Math.max(from.x, to.x) < view.minX ||
    Math.min(from.x, to.x) > view.maxX ||
    Math.max(from.y, to.y) < view.minY ||
    Math.min(from.y, to.y) > view.maxY
  );
}
