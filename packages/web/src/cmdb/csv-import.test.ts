import { describe, expect, it } from 'vitest';
import { CsvParser, type CsvRecord, CsvToNdjson, typedValue } from './csv-import.js';

function parseAll(chunks: string[]): CsvRecord[] {
  const parser = new CsvParser();
  return [...chunks.flatMap((chunk) => parser.push(chunk)), ...parser.end()];
}

describe('CsvParser', () => {
  it('reads quoted fields with commas, escaped quotes and line breaks, and numbers lines', () => {
    const text = 'a,b,c\r\n1,"two, three","say ""hi"""\r\n"multi\nline",x,\n\nlast,row,here';
    const records = parseAll([text]);
    expect(records).toEqual([
      { line: 1, cells: ['a', 'b', 'c'] },
      { line: 2, cells: ['1', 'two, three', 'say "hi"'] },
      { line: 3, cells: ['multi\nline', 'x', ''] },
      { line: 6, cells: ['last', 'row', 'here'] },
    ]);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const text = 'class,name\r\n"ser""ver","a\r\nb"\r\nsoftware,openssl\r\n';
    const whole = parseAll([text]);
    for (let size = 1; size <= 5; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      expect(parseAll(chunks), `chunks of ${size}`).toEqual(whole);
    }
    expect(whole.map((record) => record.line)).toEqual([1, 2, 4]);
  });
});

describe('CsvToNdjson', () => {
  const types = new Map([
    [
      'server',
      new Map([
        ['cpu_cores', 'integer'],
        ['memory_gb', 'number'],
        ['os', 'string'],
        ['status', 'string'],
      ]),
    ],
  ]);

  /** The body lines, numbered as the server numbers them. */
  function bodyLines(converter: CsvToNdjson, text: string): string[] {
    const parser = new CsvParser();
    return (converter.convert(parser.push(text)) + converter.convert(parser.end())).split('\n').slice(0, -1);
  }

  it('sends each CI row at its own CSV line, with typed attributes', () => {
    const converter = new CsvToNdjson(types);
    const lines = bodyLines(
      converter,
      'Class, Name ,status,environment,owner,criticality,cpu_cores,memory_gb,attr.status\n' +
        'server,ams-esx01,active,production,team-platform,high,32,256.5,racked\n' +
        '\n' +
        'server,"ams-\nesx02",,,,,not-a-number,,\n',
    );
    expect(lines[0]).toBe('');
    expect(JSON.parse(lines[1] as string)).toEqual({
      kind: 'ci',
      class: 'server',
      name: 'ams-esx01',
      status: 'active',
      environment: 'production',
      owner: 'team-platform',
      criticality: 'high',
      attributes: { cpu_cores: 32, memory_gb: 256.5, status: 'racked' },
    });
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[3] as string)).toEqual({
      kind: 'ci',
      class: 'server',
      name: 'ams-\nesx02',
      attributes: { cpu_cores: 'not-a-number' },
    });
    expect(lines).toHaveLength(4);
    expect(converter.layout).toBe('cis');
    expect(converter.fileError).toBeUndefined();
  });

  it('reads a relationship file and replaces a row with too many cells by a rejected line', () => {
    const converter = new CsvToNdjson();
    const lines = bodyLines(
      converter,
      'source,type,target\nsoftware/openssl,installed_on,server/a\nx,y,z,extra\na,b,c,\n',
    );
    expect(JSON.parse(lines[1] as string)).toEqual({
      kind: 'relationship',
      source: 'software/openssl',
      type: 'installed_on',
      target: 'server/a',
    });
    expect(JSON.parse(lines[2] as string)).toEqual({ kind: 'rejected-by-slipway-web' });
    expect(converter.problems.get(3)).toMatchObject({ line: 3, code: 'INVALID_CSV' });
    // A trailing empty cell is no extra column.
    expect(JSON.parse(lines[3] as string)).toMatchObject({ kind: 'relationship', source: 'a' });
  });

  it('refuses a file whose header cannot work, before sending anything', () => {
    for (const [header, message] of [
      ['id,label', /no "class" column/],
      ['class,name,name', /repeats column 2/],
      ['class,name,colour', /"colour" is not an attribute of any CI class/],
      ['source,type,target,weight', /not a relationship column/],
      ['class,name,Bad Name', /neither a CI field/],
    ] as const) {
      const converter = new CsvToNdjson(types);
      expect(bodyLines(converter, `${header}\nserver,x,1\n`), header).toEqual([]);
      expect(converter.fileError?.message, header).toMatch(message);
      expect(converter.fileError?.line).toBe(1);
    }
  });

  it('reads booleans and numbers as the CLI does, and leaves unreadable values for the server to judge', () => {
    expect(typedValue('yes', 'boolean')).toBe(true);
    expect(typedValue('N', 'boolean')).toBe(false);
    expect(typedValue('maybe', 'boolean')).toBe('maybe');
    expect(typedValue('12', 'string')).toBe('12');
    expect(typedValue('1e3', 'integer')).toBe('1e3');
    expect(typedValue('1e3', 'number')).toBe(1000);
    expect(typedValue('12abc', 'number')).toBe('12abc');
  });
});
