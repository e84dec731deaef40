import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../platform/actor.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';

/**
 * How the import reads its body: lines split across the pieces of a stream, characters split
 * across pieces, and CI references whose name holds a "/" (the import keys CIs by the reference
 * text "class/name" as written in relationship lines).
 */
describe.each(testDatabaseKinds())('import body reading on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  it('keeps characters and lines whole when the body arrives in arbitrary pieces', async () => {
    const { cmdb } = t.slipway.ctx;
    const text = [
      { kind: 'ci', class: 'application', name: 'zahlungsdienst-überweisung-😀' },
      { kind: 'ci', class: 'application', name: 'svc/payments/v2' },
      { kind: 'ci', class: 'application', name: 'svc' },
      {
        kind: 'relationship',
        source: 'application/svc/payments/v2',
        type: 'depends_on',
        target: 'application/zahlungsdienst-überweisung-😀',
      },
      { kind: 'relationship', source: 'application/svc', type: 'depends_on', target: 'application/svc/payments/v2' },
      { kind: 'relationship', source: 'application/svc/payments', type: 'depends_on', target: 'application/svc' },
    ]
      .map((line) => `${JSON.stringify(line)}\r\n`)
      .join('');
    const bytes = Buffer.from(text, 'utf8');
    // Pieces of 1–7 bytes: every multi-byte character and every line end is cut somewhere.
    async function* body() {
      let at = 0;
      for (let size = 1; at < bytes.length; size = (size % 7) + 1) {
        yield bytes.subarray(at, at + size);
        at += size;
      }
    }
    const result = await cmdb.imports.run(systemActor('test'), body(), { source: 'pieces' });
    expect(result.lines).toBe(6);
    expect(result.cis.created).toBe(3);
    expect(result.relationships.created).toBe(2);
    expect(result.errors).toEqual([
      expect.objectContaining({
        line: 6,
        code: 'UNKNOWN_CI',
        message: expect.stringContaining('application/svc/payments'),
      }),
    ]);
    const umlauts = await cmdb.cis.findByRef('application', 'zahlungsdienst-überweisung-😀');
    const payments = await cmdb.cis.findByRef('application', 'svc/payments/v2');
    expect(umlauts).toBeDefined();
    expect(payments).toBeDefined();
    const [edge] = await cmdb.relationships.list({ sourceId: payments?.id, limit: 10 });
    expect(edge).toMatchObject({ targetId: umlauts?.id, type: 'depends_on' });
  });
});
