import fs from 'node:fs';
import path from 'node:path';
import { ATTRIBUTE_NAME_PATTERN, type AttributeType } from '@slipway/model';
import { CliError } from './cli-io.js';
import type { CiClass } from './cmdb-api.js';
import { type CsvRecord, isBlankRecord, readCsvRecords } from './csv-reader.js';

/** How an import file is written. */
export type ImportFormat = 'csv' | 'ndjson';

/** The CI fields a CSV column can hold; every other column is an attribute. */
export const CI_FIELDS = ['class', 'name', 'status', 'environment', 'owner', 'criticality'] as const;
type CiField = (typeof CI_FIELDS)[number];

/** The columns of a relationships CSV, all required and nothing else. */
export const RELATIONSHIP_FIELDS = ['source', 'type', 'target'] as const;
type RelationshipField = (typeof RELATIONSHIP_FIELDS)[number];

/** The prefix that makes a column an attribute whatever its name (`attr.status`). */
const ATTRIBUTE_PREFIX = 'attr.';

/** What each column of a CI CSV holds. */
export type CiColumn = { field: CiField } | { attribute: string };

/** How to turn the rows of one CSV file into import lines, decided from its header. */
export type CsvPlan =
  | { kind: 'cis'; columns: CiColumn[] }
  | { kind: 'relationships'; columns: Record<RelationshipField, number>; width: number };

/** class → attribute → type, from GET /api/v1/ci-classes. */
export type AttributeTypes = ReadonlyMap<string, ReadonlyMap<string, AttributeType>>;

export function attributeTypesOf(classes: readonly CiClass[]): AttributeTypes {
  return new Map(classes.map((c) => [c.name, new Map(c.attributes.map((a) => [a.name, a.type]))]));
}

/** A problem with one row, found before the server sees it; reported at the row's line. */
export interface RowProblem {
  code: string;
  message: string;
}

/** One row converted: the NDJSON object, a problem, or nothing at all (a blank row). */
export type RowResult = { line: Record<string, unknown> } | { problem: RowProblem } | undefined;

function normaliseHeader(cell: string): string {
  return cell.trim().toLowerCase();
}

/**
 * Reads a CSV header and decides what the file holds. `source,type,target` makes a
 * relationships file; otherwise `class` and `name` are required, the other CI fields are
 * optional, and every remaining column is an attribute (`attr.<name>` forces an attribute,
 * for an attribute named like a CI field). Names are compared trimmed and in lower case.
 * Throws for problems with the file as a whole, which no row could survive.
 */
export function planCsv(header: readonly string[], file: string, knownAttributes: ReadonlySet<string>): CsvPlan {
  const names = header.map(normaliseHeader);
  const where = (i: number) => `${file}: column ${i + 1}`;
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    if (name === '') throw new CliError(`${where(i)} has no name in the header line`);
    const earlier = seen.get(name);
    if (earlier !== undefined) throw new CliError(`${where(i)} "${name}" repeats column ${earlier + 1}`);
    seen.set(name, i);
  });

  const isRelationships = RELATIONSHIP_FIELDS.every((f) => seen.has(f)) && !seen.has('class');
  if (isRelationships) {
    const extra = names.findIndex((n) => !(RELATIONSHIP_FIELDS as readonly string[]).includes(n));
    if (extra >= 0) {
      throw new CliError(
        `${where(extra)} "${names[extra]}" is not a relationship column (a relationships CSV has exactly source,type,target)`,
      );
    }
    const index = (field: RelationshipField) => seen.get(field) as number;
    return {
      kind: 'relationships',
      columns: { source: index('source'), type: index('type'), target: index('target') },
      width: names.length,
    };
  }

  for (const required of ['class', 'name'] as const) {
    if (!seen.has(required)) {
      throw new CliError(
        `${file}: the header line has no "${required}" column (a CI CSV needs class,name; a relationships CSV source,type,target)`,
      );
    }
  }
  const columns = names.map((name, i): CiColumn => {
    if ((CI_FIELDS as readonly string[]).includes(name)) return { field: name as CiField };
    const attribute = name.startsWith(ATTRIBUTE_PREFIX) ? name.slice(ATTRIBUTE_PREFIX.length) : name;
    if (!ATTRIBUTE_NAME_PATTERN.test(attribute)) {
      throw new CliError(
        `${where(i)} "${header[i]?.trim()}" is neither a CI field (${CI_FIELDS.join(', ')}) nor an attribute name (lower-case letters, digits and _)`,
      );
    }
    // A column no class knows is a typo; failing now beats one error per row.
    if (!knownAttributes.has(attribute)) {
      throw new CliError(`${where(i)} "${attribute}" is not an attribute of any CI class (see GET /api/v1/ci-classes)`);
    }
    return { attribute };
  });
  return { kind: 'cis', columns };
}

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const TRUE = new Set(['true', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'no', 'n', '0']);

/**
 * A CSV cell as the attribute's type wants it: integers and numbers as JSON numbers, booleans
 * from true/false, yes/no, y/n, 1/0 (any case). A cell that does not fit its type is sent as
 * written, so the server names the attribute and the problem on that line.
 */
export function typedValue(type: AttributeType | undefined, text: string): unknown {
  switch (type) {
    case 'integer': {
      const value = Number(text);
      return INTEGER.test(text) && Number.isSafeInteger(value) ? value : text;
    }
    case 'number':
      return NUMBER.test(text) ? Number(text) : text;
    case 'boolean': {
      const lower = text.toLowerCase();
      if (TRUE.has(lower)) return true;
      if (FALSE.has(lower)) return false;
      return text;
    }
    default:
      return text;
  }
}

/**
 * Converts one CSV data row. Cells are trimmed; an empty cell means "not reported" (the field
 * or attribute is left as the CMDB has it). A row shorter than the header has empty cells at
 * the end; a row with more non-empty cells than the header has columns is refused.
 */
export function convertRow(plan: CsvPlan, record: CsvRecord, types: AttributeTypes): RowResult {
  if (record.error !== undefined) return { problem: { code: 'INVALID_CSV', message: record.error } };
  if (isBlankRecord(record)) return undefined;
  const width = plan.kind === 'cis' ? plan.columns.length : plan.width;
  const cells = record.fields.map((cell) => cell.trim());
  if (cells.slice(width).some((cell) => cell !== '')) {
    return {
      problem: {
        code: 'INVALID_CSV',
        message: `the row has ${cells.length} fields but the header has ${width} columns`,
      },
    };
  }
  if (plan.kind === 'relationships') {
    const { source, type, target } = plan.columns;
    return {
      line: { kind: 'relationship', source: cells[source] ?? '', type: cells[type] ?? '', target: cells[target] ?? '' },
    };
  }
  const line: Record<string, unknown> = { kind: 'ci' };
  const attributes: Record<string, unknown> = {};
  let ciClass: ReadonlyMap<string, AttributeType> | undefined;
  plan.columns.forEach((column, i) => {
    if ('field' in column && column.field === 'class') ciClass = types.get(cells[i] ?? '');
  });
  plan.columns.forEach((column, i) => {
    const cell = cells[i] ?? '';
    if (cell === '') return;
    if ('field' in column) line[column.field] = cell;
    else attributes[column.attribute] = typedValue(ciClass?.get(column.attribute), cell);
  });
  // The server names a missing class or name itself; an empty cell must not hide that.
  line.class ??= '';
  line.name ??= '';
  if (Object.keys(attributes).length > 0) line.attributes = attributes;
  return { line };
}

/** One file of an import, as the user named it, and what streaming it found. */
export interface ImportFile {
  /** The path as given on the command line (errors name it so). */
  path: string;
  format: ImportFormat;
  size: number;
  /** CSV only: decided from the header. */
  plan?: CsvPlan;
  /** Import lines before this file's first (its line N is request line `offset + N`). */
  offset: number;
  /** Request lines this file took (its own line numbers run 1 … lines). */
  lines: number;
  /** CSV: data rows; NDJSON: non-blank lines. */
  records: number;
}

const NDJSON_EXTENSIONS = new Set(['.ndjson', '.jsonl', '.json']);

/** CSV or NDJSON: by extension (`.csv`; `.ndjson`, `.jsonl`, `.json`), else by the first character. */
export async function detectFormat(file: string): Promise<ImportFormat> {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (NDJSON_EXTENSIONS.has(extension)) return 'ndjson';
  const handle = await fs.promises.open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4096), 0, 4096, 0);
    const start = buffer
      .subarray(0, bytesRead)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart();
    return start.startsWith('{') ? 'ndjson' : 'csv';
  } finally {
    await handle.close();
  }
}

/** The first non-blank record of a CSV file (its header), reading no more of it than that. */
export async function readCsvHeader(file: string): Promise<CsvRecord | undefined> {
  const stream = fs.createReadStream(file, { highWaterMark: 64 * 1024 });
  try {
    for await (const record of readCsvRecords(stream)) {
      if (record.error !== undefined || !isBlankRecord(record)) return record;
    }
    return undefined;
  } finally {
    stream.destroy();
  }
}

/**
 * Checks that a file can be imported and reads what the stream needs to know beforehand: its
 * size (for the progress bar), its format, and for a CSV the plan from its header.
 */
export async function inspectImportFile(
  file: string,
  options: { format?: ImportFormat | undefined; knownAttributes: () => Promise<ReadonlySet<string>> },
): Promise<ImportFile> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `${file}: no such file` : `${file}: ${(error as Error).message}`);
  }
  if (!stat.isFile()) throw new CliError(`${file}: not a file`);
  const format = options.format ?? (await detectFormat(file));
  const inspected: ImportFile = { path: file, format, size: stat.size, offset: 0, lines: 0, records: 0 };
  if (format === 'csv') {
    const header = await readCsvHeader(file);
    if (!header) throw new CliError(`${file}: the file is empty (a CSV starts with a header line, e.g. class,name)`);
    if (header.error !== undefined) throw new CliError(`${file}: line ${header.line}: ${header.error}`);
    inspected.plan = planCsv(header.fields, file, await options.knownAttributes());
  }
  return inspected;
}

/** Where a line of the request came from. */
export interface SourceLine {
  /** The file, as named on the command line; null if the line is beyond every file. */
  file: string | null;
  line: number;
}

/** A line that tells the server "this row is bad": it reports it at this line, and --atomic then rejects. */
const REJECTED_ROW = '{"kind":"rejected-by-slipway-cli"}';
/** Row problems remembered for the answer; the server reports at most 1000 errors anyway. */
const MAX_ROW_PROBLEMS = 10_000;
/** Bytes gathered before handing a piece of the body to the HTTP request. */
const CHUNK_BYTES = 64 * 1024;
const LF = 0x0a;

/**
 * The body of one import request: the files one after another as NDJSON, converted from CSV
 * on the fly. Memory stays bounded: files are read in 64 KiB pieces as the request pulls the
 * body, so a slow server slows the reading down instead of letting the file pile up.
 *
 * Line numbers: the server numbers request lines. A CSV row is sent **at its own line number**
 * (its header and the lines inside multi-line fields become blank lines, which the server skips
 * but counts), so request line `offset + N` is line N of the file, whatever the quoting. NDJSON
 * is passed through as it is, line for line. Mapping an error back is then a subtraction.
 */
export class ImportBody {
  readonly #files: ImportFile[];
  readonly #types: AttributeTypes;
  readonly #onRead: (bytes: number) => void;
  readonly #problems = new Map<number, RowProblem>();
  #bytesRead = 0;
  #readFailure: CliError | undefined;

  constructor(files: ImportFile[], types: AttributeTypes, onRead: (bytes: number) => void = () => {}) {
    this.#files = files;
    this.#types = types;
    this.#onRead = onRead;
  }

  get files(): readonly ImportFile[] {
    return this.#files;
  }

  get bytesRead(): number {
    return this.#bytesRead;
  }

  /** Why reading a file failed while the request was being sent, if it did. */
  get readFailure(): CliError | undefined {
    return this.#readFailure;
  }

  /** The file and line a request line came from. */
  locate(requestLine: number): SourceLine {
    for (const file of this.#files) {
      if (requestLine > file.offset && requestLine <= file.offset + file.lines) {
        return { file: file.path, line: requestLine - file.offset };
      }
    }
    return { file: null, line: requestLine };
  }

  /** The problem the CLI found with the row sent at this request line, if it found one. */
  problemAt(requestLine: number): RowProblem | undefined {
    return this.#problems.get(requestLine);
  }

  /** The body, piece by piece. Iterate once. */
  async *chunks(): AsyncGenerator<Uint8Array, void, undefined> {
    let sent = 0;
    let pending: string[] = [];
    let pendingLength = 0;
    const take = () => {
      const chunk = Buffer.from(pending.join(''), 'utf8');
      pending = [];
      pendingLength = 0;
      return chunk;
    };
    for (const file of this.#files) {
      file.offset = sent;
      if (file.format === 'ndjson') {
        if (pendingLength > 0) yield take();
        for await (const chunk of this.#ndjson(file)) yield chunk;
        sent += file.lines;
        continue;
      }
      let fileLine = 0;
      let headerSeen = false;
      const plan = file.plan as CsvPlan;
      for await (const record of readCsvRecords(this.#read(file))) {
        if (!headerSeen) {
          if (record.error === undefined && isBlankRecord(record)) continue;
          headerSeen = true;
          continue;
        }
        const result = convertRow(plan, record, this.#types);
        if (result === undefined) continue;
        file.records++;
        let text: string;
        if ('problem' in result) {
          if (this.#problems.size < MAX_ROW_PROBLEMS) this.#problems.set(sent + record.line, result.problem);
          text = REJECTED_ROW;
        } else {
          text = JSON.stringify(result.line);
        }
        const padding = record.line - 1 - fileLine;
        const piece = `${padding > 0 ? '\n'.repeat(padding) : ''}${text}\n`;
        pending.push(piece);
        pendingLength += piece.length;
        fileLine = record.line;
        if (pendingLength >= CHUNK_BYTES) yield take();
      }
      file.lines = fileLine;
      sent += fileLine;
    }
    if (pendingLength > 0) yield take();
  }

  /** An NDJSON file as it is, without a byte-order mark and ending with a line break. */
  async *#ndjson(file: ImportFile): AsyncGenerator<Uint8Array> {
    let first = true;
    let last = LF;
    let lineHasText = false;
    for await (const raw of this.#read(file)) {
      let chunk: Buffer = raw;
      if (first) {
        first = false;
        if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
      }
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i] as number;
        if (byte === LF) {
          file.lines++;
          if (lineHasText) file.records++;
          lineHasText = false;
        } else if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) {
          lineHasText = true;
        }
      }
      if (chunk.length > 0) {
        last = chunk[chunk.length - 1] as number;
        yield chunk;
      }
    }
    // Without it the next file's first line would be glued to this file's last.
    if (last !== LF) {
      file.lines++;
      if (lineHasText) file.records++;
      yield Buffer.from('\n');
    }
  }

  async *#read(file: ImportFile): AsyncGenerator<Buffer> {
    const stream = fs.createReadStream(file.path, { highWaterMark: CHUNK_BYTES });
    try {
      for await (const chunk of stream) {
        const buffer = chunk as Buffer;
        this.#bytesRead += buffer.length;
        this.#onRead(this.#bytesRead);
        yield buffer;
      }
    } catch (error) {
      // Kept for the caller: fetch reports a failing body as a failed connection, which it is not.
      this.#readFailure ??= new CliError(`${file.path}: ${error instanceof Error ? error.message : String(error)}`);
      throw this.#readFailure;
    } finally {
      stream.destroy();
    }
  }
}
