import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../platform/actor.js';
import { createTestApp, type TestApp } from '../test-support/test-app.js';
import { testDatabaseKinds } from '../test-support/test-databases.js';
import { loadImpactIndex } from './graph/graph-loader.js';
import type { ImpactIndex } from './graph/impact-index.js';

function edgeSet(index: ImpactIndex): Set<string> {
  const edges = new Set<string>();
  index.forEachEdge((from, to, code) => edges.add(`${from}>${to}:${code}`));
  return edges;
}

/**
 * A bulk import is folded into the importing instance's index from memory. Writes by others
 * that interleave with the import must still leave the index equal to the database.
 */
describe.each(testDatabaseKinds())('bulk import into the impact index on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  it('matches a fresh load from the tables even when an imported edge is deleted mid-import', async () => {
    const { cmdb } = t.slipway.ctx;
    const actor = systemActor('test');
    const n = 15_000;
    let deletedId: number | undefined;
    async function* body() {
      const lines: string[] = [];
      for (let i = 0; i < n; i++) lines.push(JSON.stringify({ kind: 'ci', class: 'application', name: `app-${i}` }));
      for (let i = 1; i < 6000; i++) {
        lines.push(
          JSON.stringify({
            kind: 'relationship',
            source: `application/app-${i}`,
            type: 'depends_on',
            target: `application/app-${i - 1}`,
          }),
        );
      }
      yield `${lines.join('\n')}\n`;
      // By now the first chunk (20,000 lines) is committed: delete one of its edges, as another user would.
      const app5 = await cmdb.cis.findByRef('application', 'app-5');
      const [rel] = await cmdb.relationships.list({ sourceId: app5?.id, limit: 1 });
      deletedId = rel?.id;
      if (rel) await cmdb.relationships.delete(actor, rel.id);
      const more: string[] = [];
      for (let i = 6000; i < n; i++) {
        more.push(
          JSON.stringify({
            kind: 'relationship',
            source: `application/app-${i}`,
            type: 'depends_on',
            target: `application/app-${i - 1}`,
          }),
        );
      }
      yield `${more.join('\n')}\n`;
    }
    const result = await cmdb.imports.run(actor, body(), { source: 'bulk-test' });
    expect(result.errorCount).toBe(0);
    expect(result.relationships.created).toBe(n - 1);
    expect(deletedId).toBeDefined();

    const fresh = await loadImpactIndex(t.slipway.ctx.database);
    expect(edgeSet(cmdb.impact.index)).toEqual(edgeSet(fresh.index));
    const app0 = await cmdb.cis.findByRef('application', 'app-0');
    const reached = cmdb.impact.index.traverse(app0?.id as number, 'impact').order.length;
    // The chain is broken at app-5 → app-4, so app-0 reaches only app-1 … app-4.
    expect(reached).toBe(4);
  });
});
