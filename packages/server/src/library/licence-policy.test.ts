import { describe, expect, it } from 'vitest';
import { LicencePolicyEvaluator } from './licence-policy.js';
import { formatSpdxExpression, parseSpdxExpression, SpdxParseError } from './spdx-expression.js';

const policy = {
  allow: [
    'MIT',
    'Apache-2.0',
    'BSD-3-Clause',
    'LGPL-2.1-or-later',
    'GPL-2.0-or-later',
    'LicenseRef-Acme-Licensed',
    'GPL-2.0-only WITH Classpath-exception-2.0',
  ],
  deny: ['AGPL-3.0-only', 'AGPL-3.0-or-later', 'SSPL-1.0'],
  unknown: 'review' as const,
};
const evaluator = new LicencePolicyEvaluator(policy);

/**
 * [expression, expected verdict] — spdx-satisfies semantics (an allowed `X-or-later` admits every
 * version of X from there on, `-only` included; an exception only adds permissions); unknown or
 * invalid is never "allowed".
 */
const CORPUS: [string, 'allowed' | 'denied' | 'needs_review'][] = [
  ['MIT', 'allowed'],
  ['mit', 'allowed'],
  ['Apache-2.0', 'allowed'],
  ['MIT OR Apache-2.0', 'allowed'],
  ['MIT AND Apache-2.0', 'allowed'],
  ['MIT and Apache-2.0', 'allowed'],
  ['(MIT OR ISC) AND BSD-3-Clause', 'allowed'],
  ['ISC', 'needs_review'],
  ['MIT AND ISC', 'needs_review'],
  ['MIT OR ISC', 'allowed'],
  ['ISC OR Zlib', 'needs_review'],
  ['AGPL-3.0-only', 'denied'],
  ['AGPL-3.0-or-later', 'denied'],
  ['AGPL-3.0', 'denied'],
  ['AGPL-3.0+', 'denied'],
  ['MIT AND AGPL-3.0-only', 'denied'],
  ['MIT OR AGPL-3.0-only', 'allowed'],
  ['AGPL-3.0-only OR SSPL-1.0', 'denied'],
  ['AGPL-3.0-only OR ISC', 'needs_review'],
  ['ISC AND SSPL-1.0', 'denied'],
  ['GPL-2.0-or-later', 'allowed'],
  ['GPL-2.0+', 'allowed'],
  ['GPL-3.0-only', 'allowed'],
  ['GPL-3.0-or-later', 'allowed'],
  ['GPL-3.0', 'allowed'],
  ['GPL-2.0-only', 'allowed'],
  ['GPL-2.0', 'allowed'],
  ['GPL-1.0-only', 'needs_review'],
  ['GPL-1.0+', 'allowed'],
  ['LGPL-2.1-only', 'allowed'],
  ['LGPL-2.1-or-later', 'allowed'],
  ['LGPL-3.0-only', 'allowed'],
  ['LGPL-2.1+', 'allowed'],
  ['LGPL-2.0-only', 'needs_review'],
  ['GPL-2.0-only WITH Classpath-exception-2.0', 'allowed'],
  ['GPL-2.0 WITH Classpath-exception-2.0', 'allowed'],
  ['GPL-2.0-or-later WITH Classpath-exception-2.0', 'allowed'],
  ['GPL-2.0-only WITH Autoconf-exception-2.0', 'allowed'],
  ['Apache-2.0 WITH LLVM-exception', 'allowed'],
  ['LicenseRef-Acme-Licensed', 'allowed'],
  ['LicenseRef-Other', 'needs_review'],
  ['DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2', 'needs_review'],
  ['LicenseRef-Acme-Licensed AND MIT', 'allowed'],
  ['NOASSERTION', 'needs_review'],
  ['NONE', 'needs_review'],
  ['', 'needs_review'],
  ['Not-A-Licence', 'needs_review'],
  ['MIT AND', 'needs_review'],
  ['(MIT', 'needs_review'],
  ['MIT OR OR Apache-2.0', 'needs_review'],
  ['MIT WITH Nope-exception', 'needs_review'],
  ['((MIT))', 'allowed'],
  ['BSD-3-Clause OR (AGPL-3.0-only AND MIT)', 'allowed'],
  ['(ISC OR MIT) AND (AGPL-3.0-only OR Apache-2.0)', 'allowed'],
  ['SSPL-1.0 AND (MIT OR Apache-2.0)', 'denied'],
];

describe('licence policy evaluator', () => {
  it.each(CORPUS)('%s → %s', (expression, verdict) => {
    const result = evaluator.evaluate(expression);
    expect(result.verdict).toBe(verdict);
    if (verdict === 'denied') expect(result.rule).toBe('licences.deny');
    if (verdict === 'needs_review') expect(result.rule).toBe('licences.unknown');
  });

  it('covers at least 50 expressions', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(50);
  });

  it('names what is denied and what is unknown', () => {
    expect(evaluator.evaluate('MIT AND AGPL-3.0-only').denied).toEqual(['AGPL-3.0-only']);
    expect(evaluator.evaluate('MIT AND ISC AND Zlib').unknown).toEqual(['ISC', 'Zlib']);
  });

  it('turns unknown into denied when the policy says unknown: deny', () => {
    const strict = new LicencePolicyEvaluator({ ...policy, unknown: 'deny' });
    expect(strict.evaluate('ISC')).toMatchObject({ verdict: 'denied', rule: 'licences.unknown' });
    expect(strict.evaluate('NOASSERTION').verdict).toBe('denied');
  });
});

describe('SPDX expression parser', () => {
  it('names the bad token and its offset', () => {
    for (const [expression, token, offset] of [
      ['MIT AND Foo', 'Foo', 8],
      ['MIT OR', '', 6],
      ['(MIT', '', 4],
      ['MIT Apache-2.0', 'Apache-2.0', 4],
      ['MIT WITH Bogus', 'Bogus', 9],
      [') MIT', ')', 0],
    ] as const) {
      try {
        parseSpdxExpression(expression);
        throw new Error(`${expression} parsed`);
      } catch (error) {
        expect(error).toBeInstanceOf(SpdxParseError);
        expect((error as SpdxParseError).token).toBe(token);
        expect((error as SpdxParseError).offset).toBe(offset);
      }
    }
  });

  it('canonicalises ids and operators', () => {
    expect(formatSpdxExpression(parseSpdxExpression('mit or (apache-2.0 and bsd-3-clause)'))).toBe(
      'MIT OR Apache-2.0 AND BSD-3-Clause',
    );
    expect(formatSpdxExpression(parseSpdxExpression('(MIT OR ISC) AND Zlib'))).toBe('(MIT OR ISC) AND Zlib');
  });
});
