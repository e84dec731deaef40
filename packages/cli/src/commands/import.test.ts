import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slipway, startTestServer, type TestServer, tempDir } from '../test-support/cli-harness.js';

interface ImportJson {
  files: { file: string; format: string; kind: string; records: number; lines: number }[];
  cis: { created: number; updated: number; unchanged: number };
  relationships: { created: number; unchanged: number; pruned: number };
  errors: { file: string | null; line: number; code: string; message: string }[];
  errorCount: number;
  lines: number;
  rejected?: boolean;
}

interface CiJson {
  id: number;
  class: string;
  name: string;
  status: string;
  owner: string | null;
  attributes: Record<string, unknown>;
}

describe('slipway import against a real server', () => {
  let server: TestServer;
  let dir: string;
  const write = (name: string, content: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };
  const run = (args: string[]) => slipway(args, { env: server.apiEnv });
  const ci = async (ref: string) => (await run(['ci', 'show', ref, '--json'])).json<{ ci: CiJson }>().ci;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    dir = tempDir('slipway-cli-import-');
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('imports CSV CIs and relationships in one request, typing attributes, and maps errors to file and line', async () => {
    const cis = write(
      'cis.csv',
      [
        '\uFEFFclass,name,status,owner,cpu_cores,memory_gb,ip,version,attr.hostname',
        'server,web-01,active,team-web,8,16.5,10.0.0.1,,web-01.example.org',
        'server,web-02,,team-web,4,,,,',
        // A quoted name over two lines (4 and 5): the rows after it keep their own line numbers.
        'software,"openssl ""3""\nbuild",,,,,,3.0.13,',
        'server,web-03,,,eight,,,,',
        '',
        'gadget,toaster,,,,,,,',
        'application,shop,,team-shop,,,,1.2.0,',
        'service,webshop,planned,business,,,,,',
        'server,web-04,,,1,2,3,4,5,6',
      ].join('\r\n'),
    );
    const rels = write(
      'rels.csv',
      [
        'source,type,target',
        '"software/openssl ""3""\nbuild",installed_on,server/web-01',
        'application/shop,runs_on,server/web-01',
        'service/webshop,depends_on,application/shop',
        'application/shop,runs_on,server/ghost',
        'application/shop,flies_to,server/web-02',
        '',
      ].join('\n'),
    );

    const result = await run(['import', cis, '--relationships', rels]);
    expect(result.code).toBe(1);
    const [summary, ...rest] = result.stdout.split('\n');
    expect(summary).toMatch(/^Imported \S+cis\.csv \(8 rows\) and \S+rels\.csv \(5 rows\) in \d+\.\d s$/);
    expect(rest).toEqual([
      'CIs: 5 created, 0 updated, 0 unchanged',
      'Relationships: 3 created, 0 unchanged, 0 pruned',
      '5 errors:',
      `  ${cis}:6: INVALID_ATTRIBUTE attributes/cpu_cores must be a whole number`,
      `  ${cis}:8: UNKNOWN_CLASS Unknown CI class "gadget"`,
      `  ${cis}:11: INVALID_CSV the row has 10 fields but the header has 9 columns`,
      `  ${rels}:6: UNKNOWN_CI No CI server/ghost (CIs must come before the relationships that use them)`,
      `  ${rels}:7: UNKNOWN_TYPE "type" must be one of: depends_on, runs_on, installed_on, part_of, connected_to, located_in`,
      '',
    ]);
    expect(result.stderr).toBe('slipway: 5 lines were not imported; the others were\n');

    expect(await ci('server/web-01')).toMatchObject({
      status: 'active',
      owner: 'team-web',
      attributes: { cpu_cores: 8, memory_gb: 16.5, ip: '10.0.0.1', hostname: 'web-01.example.org' },
    });
    // Empty cells are "not reported": web-02 has no memory_gb, and its status is the default.
    expect(await ci('server/web-02')).toMatchObject({ status: 'active', attributes: { cpu_cores: 4 } });
    expect((await ci('software/openssl "3"\nbuild')).attributes).toEqual({ version: '3.0.13' });
    expect((await ci('service/webshop')).status).toBe('planned');

    const impact = await run(['impact', 'software/openssl "3"\nbuild', '--json']);
    expect(impact.json<{ count: number }>().count).toBe(3);
  });

  it('reports the exact counts for files without errors, and re-importing them changes nothing', async () => {
    const cis = write('clean.csv', 'class,name,cpu_cores\nserver,db-01,16\nserver,db-02,16\n');
    const rels = write('clean-rels.csv', 'source,type,target\nserver/db-01,connected_to,server/db-02\n');
    const first = await run(['import', cis, '--relationships', rels, '--json']);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe('');
    const body = first.json<ImportJson>();
    expect(body).toMatchObject({
      files: [
        { file: cis, format: 'csv', kind: 'cis', records: 2, lines: 3 },
        { file: rels, format: 'csv', kind: 'relationships', records: 1, lines: 2 },
      ],
      cis: { created: 2, updated: 0, unchanged: 0 },
      relationships: { created: 1, unchanged: 0, pruned: 0 },
      errors: [],
      errorCount: 0,
      lines: 5,
    });

    const again = await run(['import', cis, '--relationships', rels]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(
      'CIs: 0 created, 0 updated, 2 unchanged\nRelationships: 0 created, 1 unchanged, 0 pruned\n',
    );

    // A changed cell updates just that CI.
    const changed = write('changed.csv', 'class,name,cpu_cores\nserver,db-01,32\nserver,db-02,16\n');
    expect((await run(['import', changed, '--json'])).json<ImportJson>().cis).toEqual({
      created: 0,
      updated: 1,
      unchanged: 1,
    });
    expect((await ci('server/db-01')).attributes.cpu_cores).toBe(32);
  });

  it('imports NDJSON as the API takes it and maps errors of the second file to its own lines', async () => {
    const cis = write(
      'cis.ndjson',
      [
        '{"kind":"ci","class":"software","name":"libc6","attributes":{"version":"2.36"}}',
        '',
        '{"kind":"ci","class":"software","name":"zlib","attributes":{"version":"1.3"}}',
      ].join('\n'),
    );
    const rels = write(
      'rels.jsonl',
      [
        '{"kind":"relationship","source":"software/zlib","type":"depends_on","target":"software/libc6"}',
        'not json',
        '{"kind":"relationship","source":"software/zlib","type":"depends_on","target":"software/nope"}',
        '',
      ].join('\n'),
    );
    const result = await run(['import', cis, '--relationships', rels, '--json']);
    expect(result.code).toBe(1);
    const body = result.json<ImportJson>();
    expect(body.files).toEqual([
      { file: cis, format: 'ndjson', kind: 'ndjson', records: 2, lines: 3 },
      { file: rels, format: 'ndjson', kind: 'ndjson', records: 3, lines: 3 },
    ]);
    expect(body.cis.created).toBe(2);
    expect(body.relationships.created).toBe(1);
    expect(body.errors).toEqual([
      { file: rels, line: 2, code: 'INVALID_JSON', message: expect.stringMatching(/^Not valid JSON/) },
      { file: rels, line: 3, code: 'UNKNOWN_CI', message: expect.stringContaining('No CI software/nope') },
    ]);
    expect(body.errorCount).toBe(2);
    expect(result.stderr).toBe('slipway: 2 lines were not imported; the others were\n');
  });

  it('--atomic imports nothing when a line is bad, and still names the lines', async () => {
    const cis = write('atomic.csv', 'class,name,cpu_cores\nserver,atom-01,2\nserver,atom-02,two\nserver,atom-03,2,x\n');
    const text = await run(['import', cis, '--atomic']);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe(
      [
        `Nothing imported from ${cis} (3 rows)`,
        '2 errors:',
        `  ${cis}:3: INVALID_ATTRIBUTE attributes/cpu_cores must be a whole number`,
        `  ${cis}:4: INVALID_CSV the row has 4 fields but the header has 3 columns`,
        '',
      ].join('\n'),
    );
    expect(text.stderr).toBe(
      'slipway: Atomic import rejected: 2 line(s) have errors; nothing was imported (HTTP 422 DOMAIN_RULE)\n',
    );
    const json = await run(['import', cis, '--atomic', '--json']);
    expect(json.code).toBe(1);
    expect(json.json<ImportJson>()).toMatchObject({
      rejected: true,
      errorCount: 2,
      errors: [
        { file: cis, line: 3, code: 'INVALID_ATTRIBUTE' },
        { file: cis, line: 4, code: 'INVALID_CSV' },
      ],
    });
    const none = await run(['ci', 'list', '--q', 'atom-', '--json']);
    expect(none.json<{ items: unknown[] }>().items).toEqual([]);
  });

  it('--source with --prune removes the relationships that source no longer reports', async () => {
    const cis = write('feed.csv', 'class,name\nserver,feed-a\nserver,feed-b\nserver,feed-c\n');
    const all = write(
      'feed-rels.csv',
      'source,type,target\nserver/feed-a,connected_to,server/feed-b\nserver/feed-b,connected_to,server/feed-c\n',
    );
    const fewer = write('feed-rels-2.csv', 'source,type,target\nserver/feed-a,connected_to,server/feed-b\n');
    expect((await run(['import', cis, '--relationships', all, '--source', 'discovery'])).code).toBe(0);
    // A relationships CSV alone is a relationships import.
    const pruned = await run(['import', fewer, '--source', 'discovery', '--prune', '--json']);
    expect(pruned.code).toBe(0);
    expect(pruned.json<ImportJson>().relationships).toEqual({ created: 0, unchanged: 1, pruned: 1 });
    const shown = await run(['ci', 'show', 'server/feed-b', '--json']);
    const relationships = shown.json<{ relationships: { origin: string }[] }>().relationships;
    expect(relationships).toHaveLength(1);
    expect(relationships[0]?.origin).toBe('discovery');
  });

  it('refuses bad invocations and bad files in one line, before sending anything', async () => {
    const good = write('ok.csv', 'class,name\nserver,never-sent\n');
    const cases: [string[], string][] = [
      [
        ['import', good, '--prune'],
        "slipway: --prune needs --source <name>: only that source's relationships are pruned\n",
      ],
      [
        ['import', good, '--source', 'has space'],
        'slipway: --source "has space" must be 1–64 letters, digits, ".", "_" or "-"\n',
      ],
      [['import', path.join(dir, 'missing.csv')], `slipway: ${path.join(dir, 'missing.csv')}: no such file\n`],
      [
        ['import', write('noclass.csv', 'name,owner\nx,y\n')],
        `slipway: ${path.join(dir, 'noclass.csv')}: the header line has no "class" column (a CI CSV needs class,name; a relationships CSV source,type,target)\n`,
      ],
      [
        ['import', write('typo.csv', 'class,name,cpu_core\nserver,x,1\n')],
        `slipway: ${path.join(dir, 'typo.csv')}: column 3 "cpu_core" is not an attribute of any CI class (see GET /api/v1/ci-classes)\n`,
      ],
      [
        ['import', good, '--relationships', good],
        `slipway: ${good}: --relationships takes relationships (a CSV with source,type,target), but this CSV has CI columns\n`,
      ],
    ];
    for (const [args, stderr] of cases) {
      const result = await run(args);
      expect(result.stderr).toBe(stderr);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
    }
    expect((await run(['ci', 'list', '--q', 'never-sent', '--json'])).json<{ items: unknown[] }>().items).toEqual([]);
  });

  it('answers a user who may read but not write the CMDB with the server error, even mid-stream', async () => {
    const add = await slipway([
      'user',
      'add',
      'reader',
      '--role',
      'auditor',
      '--no-password',
      '--json',
      ...server.dbArgs,
    ]);
    const readerId = add.json<{ user: { id: number } }>().user.id;
    const token = await run(['token', 'create', '--name', 'reader', '--user-id', String(readerId)]);
    const lines = Array.from({ length: 20_000 }, (_, i) => `server,denied-${i}`);
    const file = write('denied.csv', `class,name\n${lines.join('\n')}\n`);
    const result = await slipway(['import', file], {
      env: { SLIPWAY_URL: server.url, SLIPWAY_TOKEN: token.stdout.trim() },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('slipway: Your roles (auditor) do not grant "cmdb.write" (HTTP 403 FORBIDDEN)\n');
  });
});
