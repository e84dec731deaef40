import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvParser, type CsvRecord, isBlankRecord, parseCsv, readCsvRecords } from './csv-reader.js';

const fieldsOf = (records: CsvRecord[]) => records.map((r) => r.fields);

/** Parses `text` fed in pieces cut at the given positions. */
function parseInPieces(text: string, cuts: number[]): CsvRecord[] {
  const parser = new CsvParser();
  const records: CsvRecord[] = [];
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    records.push(...parser.push(text.slice(from, cut)));
    from = cut;
  }
  records.push(...parser.push(text.slice(from)), ...parser.end());
  return records;
}

/** Writes a field as a careful CSV writer would: quoted when it must be. */
function quote(field: string): string {
  return /[",\r\n]/.test(field) || field === '' ? `"${field.replaceAll('"', '""')}"` : field;
}

describe('CsvParser', () => {
  it('splits fields and records, with LF, CRLF and lone CR line ends', () => {
    expect(fieldsOf(parseCsv('a,b,c\n1,2,3\n'))).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ]);
    expect(fieldsOf(parseCsv('a,b\r\n1,2\r\n'))).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(fieldsOf(parseCsv('a,b\r1,2'))).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    // No line break at the end: the last record still counts; an empty last line does not.
    expect(fieldsOf(parseCsv('a\nb'))).toEqual([['a'], ['b']]);
    expect(parseCsv('')).toEqual([]);
  });

  it('keeps empty fields, including leading and trailing ones', () => {
    expect(fieldsOf(parseCsv(',a,,b,\n'))).toEqual([['', 'a', '', 'b', '']]);
    expect(fieldsOf(parseCsv('\n'))).toEqual([['']]);
  });

  it('reads quoted fields with embedded commas, doubled quotes and line breaks', () => {
    const records = parseCsv('name,note\n"web, 01","say ""hi"""\n"multi\nline\r\nfield",x\n');
    expect(fieldsOf(records)).toEqual([
      ['name', 'note'],
      ['web, 01', 'say "hi"'],
      ['multi\nline\r\nfield', 'x'],
    ]);
    expect(records.map((r) => [r.line, r.endLine])).toEqual([
      [1, 1],
      [2, 2],
      [3, 5],
    ]);
  });

  it('counts lines across multi-line records so errors name the right line', () => {
    const records = parseCsv('h\n"a\n\nb"\nnext\r\n"c\r\nd"\r\nlast');
    expect(records.map((r) => [r.fields[0], r.line])).toEqual([
      ['h', 1],
      ['a\n\nb', 2],
      ['next', 5],
      ['c\r\nd', 6],
      ['last', 8],
    ]);
  });

  it('drops a leading byte-order mark, and only a leading one', () => {
    expect(fieldsOf(parseCsv('\uFEFFclass,name\n'))).toEqual([['class', 'name']]);
    expect(fieldsOf(parseCsv('a,\uFEFFb\n'))).toEqual([['a', '\uFEFFb']]);
  });

  it('takes a quote inside an unquoted field literally', () => {
    expect(fieldsOf(parseCsv('5" disk,ok\n'))).toEqual([['5" disk', 'ok']]);
  });

  it('reports text after a closing quote and a quote never closed on the record, without throwing', () => {
    const [bad, good] = parseCsv('"a"b,c\nd,e\n');
    expect(bad).toMatchObject({
      fields: ['ab', 'c'],
      line: 1,
      error: 'unexpected text after the closing quote of field 1',
    });
    expect(good).toEqual({ fields: ['d', 'e'], line: 2, endLine: 2 });

    const [first, open] = parseCsv('x\ny,"never closed\nz\n');
    expect(first?.error).toBeUndefined();
    expect(open).toMatchObject({
      line: 2,
      fields: ['y', 'never closed\nz\n'],
      error: 'the quoted field 2 is never closed',
    });
  });

  it('gives the same records however the text is cut into pieces', () => {
    const text = '\uFEFFa,"b,""c"""\r\n"d\r\ne",f\r\n\r\n"g"\rh,"i"\n';
    const whole = parseCsv(text);
    for (let cut = 0; cut <= text.length; cut++) expect(parseInPieces(text, [cut])).toEqual(whole);
    expect(
      parseInPieces(
        text,
        Array.from({ length: text.length }, (_, i) => i),
      ),
    ).toEqual(whole);
  });

  it('round-trips anything a CSV writer produces (property)', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', '"', '\n', '\r', 'é', '😀', 'x') });
    const table = fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(table, fc.array(fc.nat(), { maxLength: 6 }), fc.constantFrom('\n', '\r\n'), (rows, cuts, eol) => {
        // A record of one empty field is written as "" so it is not taken for a blank line.
        const text = rows.map((row) => row.map(quote).join(',')).join(eol) + eol;
        const records = parseInPieces(
          text,
          cuts.map((c) => c % (text.length + 1)),
        );
        expect(fieldsOf(records)).toEqual(rows);
        expect(records.every((r) => r.error === undefined)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('readCsvRecords', () => {
  it('decodes UTF-8 split between byte chunks', async () => {
    const bytes = Buffer.from('name\ncafé 😀,"naïve\nline"\n', 'utf8');
    // One byte at a time: every multi-byte character is split.
    const chunks = Array.from(bytes, (byte) => Buffer.from([byte]));
    const records: CsvRecord[] = [];
    for await (const record of readCsvRecords(Readable.from(chunks))) records.push(record);
    expect(fieldsOf(records)).toEqual([['name'], ['café 😀', 'naïve\nline']]);
  });

  it('knows blank records', () => {
    expect(isBlankRecord({ fields: [''], line: 1, endLine: 1 })).toBe(true);
    expect(isBlankRecord({ fields: ['', ' ', ''], line: 1, endLine: 1 })).toBe(true);
    expect(isBlankRecord({ fields: ['', 'x'], line: 1, endLine: 1 })).toBe(false);
  });
});
