import { InvalidArgumentError } from 'commander';

/**
 * Argument parsers shared by the commands (commander's `argParser`): each refuses a bad value
 * with a message commander prints next to the option, before anything is sent to the server.
 */

/** One of a fixed set of words (a state, a type, an element…). */
export function oneOf<T extends string>(values: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(values as readonly string[]).includes(value))
      throw new InvalidArgumentError(`expected one of ${values.join(', ')}`);
    return value as T;
  };
}

/** A whole number ≥ 1. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

/** The id of an object, also written `#12`; the message names the kind and shows an example. */
export function objectId(kind: string, example: number): (value: string) => number {
  return (value) => {
    const id = Number(value.replace(/^#/, ''));
    if (!Number.isSafeInteger(id) || id < 1) throw new InvalidArgumentError(`expected a ${kind} id, e.g. ${example}`);
    return id;
  };
}

/** A repeatable option: every value, in order. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
