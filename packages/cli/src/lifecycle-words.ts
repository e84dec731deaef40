import { CliError } from './cli-io.js';

/** One edge of a lifecycle in packages/model (changes, releases): an action from a state to a state. */
export interface LifecycleTransition<S extends string> {
  from: S;
  to: S;
  action: string;
  types: readonly string[];
}

export interface Lifecycle<S extends string> {
  /** "change", "release": for messages. */
  noun: string;
  states: readonly S[];
  actions: readonly string[];
  transitions: readonly LifecycleTransition<S>[];
}

/** Every word `<noun> transition <id> <word>` accepts: a state or an action. */
export function lifecycleWords(lifecycle: Lifecycle<string>): string[] {
  return [...new Set([...lifecycle.states, ...lifecycle.actions])];
}

/**
 * The state `<noun> transition <id> <word>` asks for: an action the object may take now (for a
 * change in state `assess`, `assess` means "→ authorize", as `show` hints), else a state name,
 * else the target of that action for the object's type (the server then says why it cannot go
 * there now).
 */
export function transitionTarget<S extends string>(
  lifecycle: Lifecycle<S>,
  word: string,
  current: { state: S; type: string },
): S {
  const forType = lifecycle.transitions.filter((t) => t.types.includes(current.type));
  const now = forType.find((t) => t.from === current.state && t.action === word);
  if (now) return now.to;
  if ((lifecycle.states as readonly string[]).includes(word)) return word as S;
  const any = forType.find((t) => t.action === word);
  if (any) return any.to;
  throw new CliError(
    `"${word}" is neither a ${lifecycle.noun} state (${lifecycle.states.join(', ')}) nor an action of a ${current.type} ${lifecycle.noun}`,
  );
}
