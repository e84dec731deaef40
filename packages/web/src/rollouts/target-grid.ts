import type { RolloutTarget } from './rollouts-api.js';

/**
 * The cells of one wave's targets, kept outside React: a live rollout changes thousands of
 * targets, and one class name per changed cell costs far less than reconciling a component per
 * target. The container gets one plain div per target (in id order) and, as data attributes, the
 * count of targets per state, which the summary and the end-to-end test read.
 */
export class TargetGrid {
  readonly #container: HTMLElement;
  readonly #cells = new Map<number, { cell: HTMLDivElement; state: string }>();

  constructor(container: HTMLElement) {
    this.#container = container;
    container.replaceChildren();
  }

  get container(): HTMLElement {
    return this.#container;
  }

  /** Adds new targets and recolours changed ones; targets arrive in id order within a page. */
  apply(targets: Iterable<RolloutTarget>): void {
    let fragment: DocumentFragment | null = null;
    for (const target of targets) {
      const known = this.#cells.get(target.id);
      if (known) {
        if (known.state === target.state) continue;
        known.state = target.state;
        known.cell.className = `target-cell target-${target.state}`;
        known.cell.title = describe(target);
        continue;
      }
      const cell = document.createElement('div');
      cell.className = `target-cell target-${target.state}`;
      cell.title = describe(target);
      this.#cells.set(target.id, { cell, state: target.state });
      fragment ??= document.createDocumentFragment();
      fragment.append(cell);
    }
    if (fragment) this.#container.append(fragment);
    this.#count();
  }

  #count(): void {
    const counts: Record<string, number> = {};
    for (const { state } of this.#cells.values()) counts[state] = (counts[state] ?? 0) + 1;
    const dataset = this.#container.dataset;
    for (const key of Object.keys(dataset)) if (key.startsWith('count')) delete dataset[key];
    dataset.total = String(this.#cells.size);
    for (const [state, n] of Object.entries(counts)) dataset[`count${camel(state)}`] = String(n);
  }
}

function describe(target: RolloutTarget): string {
  return `${target.ci.name} (${target.ci.class}): ${target.state.replaceAll('_', ' ')}${target.error ? ` — ${target.error}` : ''}`;
}

/** "backed_out" → "BackedOut", so the attribute reads data-count-backed-out. */
function camel(state: string): string {
  return state
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
