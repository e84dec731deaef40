import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from '@slipway/model';
import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';

const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../docs/errors.md');

/** The rows of the error table in docs/errors.md: code, status and meaning as written there. */
function documentedCodes(): Map<string, { status: number; meaning: string }> {
  const rows = new Map<string, { status: number; meaning: string }>();
  for (const line of fs.readFileSync(DOC, 'utf8').split('\n')) {
    const match = /^\|\s*`([A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|\s*([^|]+?)\s*\|/.exec(line);
    if (!match) continue;
    const [, code = '', status = '', meaning = ''] = match;
    if (rows.has(code)) throw new Error(`docs/errors.md lists ${code} twice`);
    rows.set(code, { status: Number(status), meaning });
  }
  return rows;
}

describe('docs/errors.md', () => {
  it('lists exactly the error codes of packages/model/src/errors.ts, with the same status and meaning', () => {
    const documented = documentedCodes();
    const defined = new Map(
      Object.entries(ERROR_CODES).map(([code, { status, meaning }]) => [code, { status, meaning }]),
    );
    expect([...documented.keys()].sort()).toEqual([...defined.keys()].sort());
    for (const [code, entry] of defined) expect(documented.get(code), code).toEqual(entry);
  });

  it('lists them in the order the model defines them', () => {
    expect([...documentedCodes().keys()]).toEqual(Object.keys(ERROR_CODES));
  });

  it('maps every code to the status its table entry declares', () => {
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      expect(new AppError(code as keyof typeof ERROR_CODES, 'x').status, code).toBe(status);
      expect(status >= 400 && status < 600, code).toBe(true);
    }
  });
});
