import fs from 'node:fs';
import path from 'node:path';
import { BUILTIN_CI_CLASSES } from '@slipway/model';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from './cli-io.js';
import type { CiClass } from './cmdb-api.js';
import { parseCsv } from './csv-reader.js';
import {
  attributeTypesOf,
  type CsvPlan,
  convertRow,
  detectFormat,
  ImportBody,
  inspectImportFile,
  planCsv,
  typedValue,
} from './import-source.js';
import { tempDir } from './test-support/cli-harness.js';

// The classes a fresh server has, shaped as GET /api/v1/ci-classes answers them.
const CLASSES: CiClass[] = BUILTIN_CI_CLASSES.map((c) => ({
  ...c,
  builtin: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
}));
const TYPES = attributeTypesOf(CLASSES);
const KNOWN = new Set(CLASSES.flatMap((c) => c.attributes.map((a) => a.name)));

function row(plan: CsvPlan, text: string) {
  const [record] = parseCsv(text);
  if (!record) throw new Error('no record');
  return convertRow(plan, record, TYPES);
}

function cliError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof CliError) return error.message;
    throw error;
  }
  throw new Error('expected a CliError');
}

describe('planCsv', () => {
  it('maps CI fields and attributes, case- and space-insensitively; attr.<name> forces an attribute', () => {
    const plan = planCsv([' Class', 'NAME', 'status', 'owner', 'cpu_cores', 'attr.ip'], 'cis.csv', KNOWN);
    expect(plan).toEqual({
      kind: 'cis',
      columns: [
        { field: 'class' },
        { field: 'name' },
        { field: 'status' },
        { field: 'owner' },
        { attribute: 'cpu_cores' },
        { attribute: 'ip' },
      ],
    });
  });

  it('recognises a relationships CSV by source,type,target in any order', () => {
    expect(planCsv(['target', 'Source', 'type'], 'rels.csv', KNOWN)).toEqual({
      kind: 'relationships',
      columns: { source: 1, type: 2, target: 0 },
      width: 3,
    });
  });

  it('refuses headers no row could survive, naming the file and column', () => {
    expect(cliError(() => planCsv(['name', 'owner'], 'a.csv', KNOWN))).toBe(
      'a.csv: the header line has no "class" column (a CI CSV needs class,name; a relationships CSV source,type,target)',
    );
    expect(cliError(() => planCsv(['class', 'name', 'Name'], 'a.csv', KNOWN))).toBe(
      'a.csv: column 3 "name" repeats column 2',
    );
    expect(cliError(() => planCsv(['class', 'name', ''], 'a.csv', KNOWN))).toBe(
      'a.csv: column 3 has no name in the header line',
    );
    expect(cliError(() => planCsv(['class', 'name', 'CPU Cores'], 'a.csv', KNOWN))).toMatch(
      /^a\.csv: column 3 "CPU Cores" is neither a CI field \(class, name, status, environment, owner, criticality\) nor an attribute name/,
    );
    expect(cliError(() => planCsv(['class', 'name', 'cpu_core'], 'a.csv', KNOWN))).toBe(
      'a.csv: column 3 "cpu_core" is not an attribute of any CI class (see GET /api/v1/ci-classes)',
    );
    expect(cliError(() => planCsv(['source', 'type', 'target', 'note'], 'r.csv', KNOWN))).toBe(
      'r.csv: column 4 "note" is not a relationship column (a relationships CSV has exactly source,type,target)',
    );
  });
});

describe('typedValue', () => {
  it('converts integers, numbers and booleans; leaves everything else as written', () => {
    expect(typedValue('integer', '42')).toBe(42);
    expect(typedValue('integer', '-7')).toBe(-7);
    expect(typedValue('integer', '4.5')).toBe('4.5');
    expect(typedValue('integer', '99999999999999999999')).toBe('99999999999999999999');
    expect(typedValue('number', '16.5')).toBe(16.5);
    expect(typedValue('number', '.5')).toBe(0.5);
    expect(typedValue('number', '1e3')).toBe(1000);
    expect(typedValue('number', '1,5')).toBe('1,5');
    expect(typedValue('number', 'Infinity')).toBe('Infinity');
    for (const yes of ['true', 'TRUE', 'yes', 'Y', '1']) expect(typedValue('boolean', yes)).toBe(true);
    for (const no of ['false', 'No', 'n', '0']) expect(typedValue('boolean', no)).toBe(false);
    expect(typedValue('boolean', 'maybe')).toBe('maybe');
    expect(typedValue('version', '3.0')).toBe('3.0');
    expect(typedValue('string', '0042')).toBe('0042');
    expect(typedValue(undefined, '12')).toBe('12');
  });
});

describe('convertRow', () => {
  const cis = planCsv(
    ['class', 'name', 'status', 'environment', 'owner', 'criticality', 'cpu_cores', 'memory_gb', 'version', 'hostname'],
    'cis.csv',
    KNOWN,
  );

  it('types attributes by the row class, leaves empty cells out, trims cells', () => {
    expect(row(cis, 'server, web-01 ,active,production,team-web,high,8,16.5,,web-01.example.org')).toEqual({
      line: {
        kind: 'ci',
        class: 'server',
        name: 'web-01',
        status: 'active',
        environment: 'production',
        owner: 'team-web',
        criticality: 'high',
        attributes: { cpu_cores: 8, memory_gb: 16.5, hostname: 'web-01.example.org' },
      },
    });
    // `version` is a version string for software: "3.10" must not become the number 3.1.
    expect(row(cis, 'software,openssl,,,,,,,3.10,')).toEqual({
      line: { kind: 'ci', class: 'software', name: 'openssl', attributes: { version: '3.10' } },
    });
  });

  it('sends what does not fit as written, for the server to name (unknown class, bad number)', () => {
    expect(row(cis, 'gadget,x,,,,,8')).toEqual({
      line: { kind: 'ci', class: 'gadget', name: 'x', attributes: { cpu_cores: '8' } },
    });
    expect(row(cis, 'server,x,,,,,eight')).toEqual({
      line: { kind: 'ci', class: 'server', name: 'x', attributes: { cpu_cores: 'eight' } },
    });
    expect(row(cis, ',x')).toEqual({ line: { kind: 'ci', class: '', name: 'x' } });
  });

  it('skips blank rows; short rows have empty cells; extra non-empty cells and bad quoting are problems', () => {
    expect(row(cis, ',,,,,,,,,')).toBeUndefined();
    expect(row(cis, 'server,web-02')).toEqual({ line: { kind: 'ci', class: 'server', name: 'web-02' } });
    expect(row(cis, 'server,web-02,,,,,,,,,,')).toEqual({ line: { kind: 'ci', class: 'server', name: 'web-02' } });
    expect(row(cis, 'server,web-02,,,,,,,,,oops')).toEqual({
      problem: { code: 'INVALID_CSV', message: 'the row has 11 fields but the header has 10 columns' },
    });
    expect(row(cis, '"server"x,web-02')).toEqual({
      problem: { code: 'INVALID_CSV', message: 'unexpected text after the closing quote of field 1' },
    });
  });

  it('turns relationship rows into relationship lines', () => {
    const rels = planCsv(['source', 'type', 'target'], 'rels.csv', KNOWN);
    expect(row(rels, 'application/shop, runs_on ,"server/web, 01"')).toEqual({
      line: { kind: 'relationship', source: 'application/shop', type: 'runs_on', target: 'server/web, 01' },
    });
  });
});

describe('ImportBody', () => {
  const dir = tempDir('slipway-cli-body-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string | Buffer) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };
  const inspect = (file: string) => inspectImportFile(file, { knownAttributes: async () => KNOWN });
  const drain = async (body: ImportBody) => {
    const parts: Buffer[] = [];
    for await (const chunk of body.chunks()) parts.push(Buffer.from(chunk));
    return Buffer.concat(parts).toString('utf8');
  };

  it('sends each CSV row at its own line number, so request lines map back by subtraction', async () => {
    const cis = await inspect(
      write(
        'cis.csv',
        '\uFEFFclass,name,cpu_cores\r\n\r\nserver,web-01,8\r\n"software","multi\nline",\r\nserver,x"y,9\r\n',
      ),
    );
    const rels = await inspect(write('rels.txt', 'source,type,target\nsoftware/a,depends_on,software/b\n'));
    let bytes = 0;
    const body = new ImportBody([cis, rels], TYPES, (read) => {
      bytes = read;
    });
    const lines = (await drain(body)).split('\n');
    expect(lines).toEqual([
      '',
      '',
      '{"kind":"ci","class":"server","name":"web-01","attributes":{"cpu_cores":8}}',
      '{"kind":"ci","class":"software","name":"multi\\nline"}',
      '',
      '{"kind":"ci","class":"server","name":"x\\"y","attributes":{"cpu_cores":9}}',
      '',
      '{"kind":"relationship","source":"software/a","type":"depends_on","target":"software/b"}',
      '',
    ]);
    expect(bytes).toBe(cis.size + rels.size);
    expect(cis).toMatchObject({ offset: 0, lines: 6, records: 3 });
    expect(rels).toMatchObject({ offset: 6, lines: 2, records: 1 });
    expect(body.locate(3)).toEqual({ file: cis.path, line: 3 });
    expect(body.locate(6)).toEqual({ file: cis.path, line: 6 });
    expect(body.locate(8)).toEqual({ file: rels.path, line: 2 });
    expect(body.locate(99)).toEqual({ file: null, line: 99 });
  });

  it('marks rows the CLI refuses so the server counts them, and remembers why', async () => {
    const cis = await inspect(write('bad.csv', 'class,name\nserver,a\nserver,b,extra\n"server"x,c\n'));
    const body = new ImportBody([cis], TYPES);
    const lines = (await drain(body)).split('\n');
    expect(lines[2]).toBe('{"kind":"rejected-by-slipway-cli"}');
    expect(lines[3]).toBe('{"kind":"rejected-by-slipway-cli"}');
    expect(body.problemAt(3)).toEqual({
      code: 'INVALID_CSV',
      message: 'the row has 3 fields but the header has 2 columns',
    });
    expect(body.problemAt(4)?.message).toBe('unexpected text after the closing quote of field 1');
    expect(body.problemAt(2)).toBeUndefined();
  });

  it('passes NDJSON through line for line, without a BOM, ending it with a line break', async () => {
    const first = await inspect(write('a.ndjson', '\uFEFF{"kind":"ci","class":"server","name":"a"}\n\n{"kind":"ci"}'));
    const second = await inspect(write('b.jsonl', '{"kind":"relationship"}\n'));
    const body = new ImportBody([first, second], TYPES);
    expect(await drain(body)).toBe(
      '{"kind":"ci","class":"server","name":"a"}\n\n{"kind":"ci"}\n{"kind":"relationship"}\n',
    );
    expect(first).toMatchObject({ format: 'ndjson', offset: 0, lines: 3, records: 2 });
    expect(second).toMatchObject({ format: 'ndjson', offset: 3, lines: 1, records: 1 });
    expect(body.locate(4)).toEqual({ file: second.path, line: 1 });
  });

  it('names the file when reading it fails after it was inspected', async () => {
    const file = await inspect(write('gone.csv', 'class,name\nserver,a\n'));
    fs.rmSync(file.path);
    const body = new ImportBody([file], TYPES);
    await expect(drain(body)).rejects.toThrow(`${file.path}: ENOENT`);
    expect(body.readFailure?.message).toMatch(/^\S+gone\.csv: ENOENT: no such file or directory/);
  });

  it('detects the format by extension, else by the first character', async () => {
    expect(await detectFormat(write('x.csv', '{"looks":"json"}'))).toBe('csv');
    expect(await detectFormat(write('x.json', 'class,name'))).toBe('ndjson');
    expect(await detectFormat(write('noext', '\uFEFF  {"kind":"ci"}'))).toBe('ndjson');
    expect(await detectFormat(write('export.txt', 'class,name\n'))).toBe('csv');
  });

  it('refuses missing, empty and headless files before anything is sent', async () => {
    await expect(inspect(path.join(dir, 'nope.csv'))).rejects.toThrow(`${path.join(dir, 'nope.csv')}: no such file`);
    await expect(inspect(dir)).rejects.toThrow(`${dir}: not a file`);
    const empty = write('empty.csv', '\n\n');
    await expect(inspect(empty)).rejects.toThrow(`${empty}: the file is empty`);
    const open = write('open.csv', '"class,name\nserver,x\n');
    await expect(inspect(open)).rejects.toThrow(`${open}: line 1: the quoted field 1 is never closed`);
  });

  it('reads attribute names from the server only for CSV files', async () => {
    let asked = 0;
    const knownAttributes = async () => {
      asked++;
      return KNOWN;
    };
    await inspectImportFile(write('only.ndjson', '{}\n'), { knownAttributes });
    expect(asked).toBe(0);
    await inspectImportFile(write('only.csv', 'class,name\n'), { knownAttributes });
    expect(asked).toBe(1);
  });
});

describe('attributeTypesOf', () => {
  it('indexes attribute types by class', () => {
    expect(TYPES.get('server')?.get('cpu_cores')).toBe('integer');
    expect(TYPES.get('server')?.get('memory_gb')).toBe('number');
    expect(TYPES.get('software')?.get('version')).toBe('version');
    expect(TYPES.size).toBe(BUILTIN_CI_CLASSES.length);
  });
});
