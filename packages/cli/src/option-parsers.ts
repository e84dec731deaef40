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

/** A comma-separated list of some of `values` (`--state authorize,scheduled`), passed on as one string. */
export function someOf<T extends string>(values: readonly T[]): (value: string) => string {
  const one = oneOf(values);
  return (value) =>
    value
      .split(',')
      .map((part) => one(part.trim()))
      .join(',');
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

/** A date-time as the user typed it (`2026-12-15T22:00Z`, `2026-12-15 22:00`), as ISO-8601 UTC (UTC unless an offset is given). */
export function instant(value: string): string {
  const normalised = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(value) ? value.replace(' ', 'T') : value;
  const ms = Date.parse(
    /[zZ]|[+-]\d{2}:?\d{2}$/.test(normalised) || !normalised.includes('T') ? normalised : `${normalised}Z`,
  );
  if (Number.isNaN(ms))
    throw new InvalidArgumentError('expected a date-time like 2026-12-15T22:00Z (UTC unless an offset is given)');
  return new Date(ms).toISOString();
}

/** A whole number from `min` to `max` (a duration in minutes, a percentage…). */
export function wholeNumberIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

/** Free text of `min` to `max` characters once trimmed (a reason, a comment). */
export function textOfLength(min: number, max: number): (value: string) => string {
  return (value) => {
    const text = value.trim();
    if (text.length < min || text.length > max) {
      throw new InvalidArgumentError(`expected ${min} to ${max} characters (got ${text.length})`);
    }
    return text;
  };
}
