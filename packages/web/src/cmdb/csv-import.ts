/**
 * CSV files for the CMDB import, turned into the NDJSON lines POST /api/v1/import takes.
 *
 * Two layouts, told apart by the header row:
 * - CIs: `class,name[,status,environment,owner,criticality][,<attribute>…]`; `attr.<name>`
 *   makes a column an attribute whatever its name. Empty cells are left out.
 * - Relationships: `source,type,target`, each end a `class/name` reference.
 *
 * No DOM and no Node APIs here, so the same code runs in the browser and in unit tests.
 */

import { ATTRIBUTE_NAME_PATTERN } from '@slipway/model';

/** A record of the CSV file and the 1-based line it starts on (quoted fields may span lines). */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/**
 * An RFC 4180 parser that takes the file chunk by chunk: quoted fields with `""` escapes, commas
 * and line breaks inside quotes, LF or CRLF line ends. It keeps only the unfinished record
 * between chunks, so a file of any size streams through it.
 */
export class CsvParser {
  #cells: string[] = [];
  #field = '';
  #quoted = false;
  /** Inside quotes, a quote was just seen: either the end of the quotes or the first of `""`. */
  #quotePending = false;
  #line = 1;
  #recordLine = 1;
  #fieldStarted = false;
  /** A CR was the last character of the previous chunk; a following LF belongs to it. */
  #afterCr = false;

  /** Parses a chunk and returns the records it completed. */
  push(text: string): CsvRecord[] {
    const records: CsvRecord[] = [];
    for (let i = 0; i < text.length; i++) {
      const char = text[i] as string;
      // The LF of a CRLF: the CR already counted the line (and ended the record when unquoted).
      const lfOfCrlf = this.#afterCr && char === '\n';
      this.#afterCr = false;
      if (this.#quoted) {
        if (this.#quotePending) {
          this.#quotePending = false;
          if (char === '"') {
            this.#field += '"';
            continue;
          }
          // The quotes are closed; the character after them is read as unquoted text below.
          this.#quoted = false;
        } else if (char === '"') {
          this.#quotePending = true;
          continue;
        } else {
          this.#field += char;
          if (char === '\r') {
            this.#line++;
            this.#afterCr = true;
          } else if (char === '\n' && !lfOfCrlf) {
            this.#line++;
          }
          continue;
        }
      }
      if (lfOfCrlf) continue;
      if (char === '"' && !this.#fieldStarted) {
        this.#quoted = true;
        this.#fieldStarted = true;
      } else if (char === ',') {
        this.#cells.push(this.#field);
        this.#field = '';
        this.#fieldStarted = false;
      } else if (char === '\n' || char === '\r') {
        this.#afterCr = char === '\r';
        this.#endRecord(records);
        this.#line++;
        this.#recordLine = this.#line;
      } else {
        this.#field += char;
        this.#fieldStarted = true;
      }
    }
    return records;
  }

  /** Completes the last record when the file does not end with a line break. */
  end(): CsvRecord[] {
    const records: CsvRecord[] = [];
    this.#quotePending = false;
    this.#quoted = false;
    this.#endRecord(records);
    return records;
  }

  #endRecord(records: CsvRecord[]): void {
    this.#cells.push(this.#field);
    const cells = this.#cells;
    this.#cells = [];
    this.#field = '';
    this.#fieldStarted = false;
    // A blank line is no record (a lone empty cell).
    if (!(cells.length === 1 && cells[0] === '')) records.push({ line: this.#recordLine, cells });
  }
}

/** class → attribute → type, from GET /api/v1/ci-classes. */
export type AttributeTypes = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** A problem with the file or one of its rows, at a line of the CSV file. */
export interface ConversionError {
  line: number;
  code: string;
  message: string;
}

export type CsvLayout = 'cis' | 'relationships';

const CI_FIELDS = ['class', 'name', 'status', 'environment', 'owner', 'criticality'];
const RELATIONSHIP_FIELDS = ['source', 'type', 'target'];
/** Forces a column to be an attribute whatever its name (`attr.status`), as `slipway import` reads it. */
const ATTRIBUTE_PREFIX = 'attr.';
/**
 * Sent in place of a row found bad here: the server reports an error at its line (and rejects
 * the file under "all or nothing"); the page then shows the reason found here instead.
 */
const REJECTED_ROW = '{"kind":"rejected-by-slipway-web"}';

type Column = { field: string } | { attribute: string };

/**
 * Turns CSV records into the NDJSON body of POST /api/v1/import, with the rules of the CLI's
 * `slipway import file.csv` (packages/cli/src/import-source.ts), so a file behaves the same in
 * both: header names trimmed and lower-cased; `source,type,target` (and no `class`) makes a
 * relationships file; otherwise `class` and `name` are required, the other CI fields optional,
 * and every other column an attribute of some class; empty cells are not reported.
 *
 * Each row is sent **at its own line number** (the header and the extra lines of multi-line
 * fields become blank lines, which the server skips but counts), so the line numbers the server
 * reports are lines of the CSV file as it is.
 */
export class CsvToNdjson {
  #columns: Column[] | undefined;
  #layout: CsvLayout | undefined;
  /** Lines of the body written so far, which is the CSV line of the last record written. */
  #written = 0;
  /** Set when the header makes the whole file unusable; nothing is converted after it. */
  fileError: ConversionError | undefined;
  /** Rows found bad here, by line: the server's error for that line is replaced by this one. */
  readonly problems = new Map<number, ConversionError>();

  constructor(private readonly attributeTypes: AttributeTypes = new Map()) {}

  get layout(): CsvLayout | undefined {
    return this.#layout;
  }

  /** Converts records into body text: the lines for these records, each ending with a line break. */
  convert(records: readonly CsvRecord[]): string {
    let out = '';
    for (const record of records) {
      if (this.fileError) break;
      const cells = record.cells.map((cell) => cell.trim());
      if (cells.every((cell) => cell === '')) continue;
      if (!this.#columns) {
        const problem = this.#readHeader(cells);
        if (problem) this.fileError = { line: record.line, code: 'INVALID_HEADER', message: problem };
        continue;
      }
      const text = this.#convertRow(record.line, cells, this.#columns);
      out += `${'\n'.repeat(Math.max(0, record.line - 1 - this.#written))}${text}\n`;
      this.#written = record.line;
    }
    return out;
  }

  /** Decides the layout and columns from the header; returns why the file cannot be read, if it cannot. */
  #readHeader(cells: string[]): string | undefined {
    const names = cells.map((cell) => cell.replace(/^\uFEFF/, '').toLowerCase());
    const seen = new Map<string, number>();
    for (const [i, name] of names.entries()) {
      if (name === '') return `Column ${i + 1} has no name in the header line`;
      const earlier = seen.get(name);
      if (earlier !== undefined) return `Column ${i + 1} "${name}" repeats column ${earlier + 1}`;
      seen.set(name, i);
    }
    if (RELATIONSHIP_FIELDS.every((field) => seen.has(field)) && !seen.has('class')) {
      const extra = names.find((name) => !RELATIONSHIP_FIELDS.includes(name));
      if (extra !== undefined) {
        return `"${extra}" is not a relationship column (a relationships CSV has exactly source,type,target)`;
      }
      this.#columns = names.map((name) => ({ field: name }));
      this.#layout = 'relationships';
      return undefined;
    }
    for (const required of ['class', 'name']) {
      if (!seen.has(required)) {
        return `The header line has no "${required}" column (a CI CSV needs class,name; a relationships CSV source,type,target)`;
      }
    }
    const known = new Set([...this.attributeTypes.values()].flatMap((types) => [...types.keys()]));
    const columns: Column[] = [];
    for (const [i, name] of names.entries()) {
      if (CI_FIELDS.includes(name)) {
        columns.push({ field: name });
        continue;
      }
      const attribute = name.startsWith(ATTRIBUTE_PREFIX) ? name.slice(ATTRIBUTE_PREFIX.length) : name;
      if (!ATTRIBUTE_NAME_PATTERN.test(attribute)) {
        return `Column ${i + 1} "${cells[i]}" is neither a CI field (${CI_FIELDS.join(', ')}) nor an attribute name (lower-case letters, digits and _)`;
      }
      // A column no class knows is a typo; saying so once beats an error on every row.
      if (this.attributeTypes.size > 0 && !known.has(attribute)) {
        return `Column ${i + 1} "${attribute}" is not an attribute of any CI class`;
      }
      columns.push({ attribute });
    }
    this.#columns = columns;
    this.#layout = 'cis';
    return undefined;
  }

  #convertRow(line: number, cells: string[], columns: Column[]): string {
    if (cells.slice(columns.length).some((cell) => cell !== '')) {
      this.problems.set(line, {
        line,
        code: 'INVALID_CSV',
        message: `The row has ${cells.length} fields but the header has ${columns.length} columns (quote a value that contains a comma)`,
      });
      return REJECTED_ROW;
    }
    const value = (field: string) =>
      cells[columns.findIndex((column) => 'field' in column && column.field === field)] ?? '';
    if (this.#layout === 'relationships') {
      return JSON.stringify({
        kind: 'relationship',
        source: value('source'),
        type: value('type'),
        target: value('target'),
      });
    }
    const ci: Record<string, unknown> = { kind: 'ci' };
    const attributes: Record<string, unknown> = {};
    const types = this.attributeTypes.get(value('class'));
    columns.forEach((column, i) => {
      const cell = cells[i] ?? '';
      if (cell === '') return;
      if ('field' in column) ci[column.field] = cell;
      else attributes[column.attribute] = typedValue(cell, types?.get(column.attribute));
    });
    // The server names a missing class or name itself; an empty cell must not hide that.
    ci.class ??= '';
    ci.name ??= '';
    if (Object.keys(attributes).length > 0) ci.attributes = attributes;
    return JSON.stringify(ci);
  }
}

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'no', 'n', '0']);

/**
 * A cell as the attribute's type wants it: integers and numbers as JSON numbers, booleans from
 * true/false, yes/no, y/n, 1/0 (any case). A cell that does not fit its type is sent as written,
 * so the server names the attribute and the problem on that line.
 */
export function typedValue(value: string, type: string | undefined): unknown {
  switch (type) {
    case 'integer':
      return INTEGER.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : value;
    case 'number':
      return NUMBER.test(value) ? Number(value) : value;
    case 'boolean': {
      const lower = value.toLowerCase();
      if (TRUE.has(lower)) return true;
      if (FALSE.has(lower)) return false;
      return value;
    }
    default:
      return value;
  }
}
