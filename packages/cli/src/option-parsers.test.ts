import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { someOf } from './option-parsers.js';

describe('someOf: a comma-separated list of allowed values', () => {
  const states = someOf(['new', 'assess', 'authorize'] as const);

  it('passes a valid list on as one string, spaces trimmed', () => {
    expect(states('new')).toBe('new');
    expect(states('new, authorize')).toBe('new,authorize');
  });

  it('refuses the list when any part is not allowed, naming the allowed values', () => {
    expect(() => states('new,closed')).toThrow(InvalidArgumentError);
    expect(() => states('new,closed')).toThrow(/expected one of new, assess, authorize/);
  });
});
