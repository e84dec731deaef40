import { StringDecoder } from 'node:string_decoder';

/** One CSV record: its fields and the physical lines it spans (1-based). */
export interface CsvRecord {
  fields: string[];
  /** The line the record starts on: what errors name. */
  line: number;
  /** The line it ends on (greater than `line` when a quoted field holds line breaks). */
  endLine: number;
  /** Why the record is malformed, when it is; its fields are then a best effort. */
  error?: string;
}

/** Characters that end a run of plain text outside quotes: `,` LF CR. */
const UNQUOTED_STOP = [0x2c, 0x0a, 0x0d];
/** Characters that end a run of plain text inside quotes: `"` LF CR. */
const QUOTED_STOP = [0x22, 0x0a, 0x0d];

/** The index of the first character at or after `from` that is one of `stops`, else the text's length. */
function runEnd(text: string, from: number, stops: readonly number[]): number {
  const [a, b, c] = stops as [number, number, number];
  for (let j = from; j < text.length; j++) {
    const code = text.charCodeAt(j);
    if (code === a || code === b || code === c) return j;
  }
  return text.length;
}

/**
 * Where the parser is: `start` of a field (a quote here opens a quoted field), in an `unquoted`
 * or `quoted` field, or just after a `quote` inside a quoted field (`""` is a quote, anything
 * else closes the field).
 */
type State = 'start' | 'unquoted' | 'quoted' | 'quote';

/**
 * An incremental RFC 4180 CSV parser: feed it text in pieces of any size (a piece may end in
 * the middle of a field, a quote pair or a CRLF) and it returns the records completed so far.
 *
 * - Fields are separated by `,`; records by LF, CRLF or a lone CR.
 * - A field that starts with `"` is quoted: it may hold commas, line breaks and `""` (one quote).
 * - A quote inside an unquoted field is taken literally (`5" disk`), as spreadsheets read it.
 * - A leading byte-order mark is dropped.
 * - Text after a closing quote (`"a"b`) and a quoted field still open at the end are reported
 *   on the record (`error`) rather than thrown, so one bad row does not stop a large import.
 *
 * Memory is bounded by the longest record, never by the input.
 */
export class CsvParser {
  #state: State = 'start';
  #field = '';
  #fields: string[] = [];
  /** The record has consumed at least one character (so an empty last line is not a record). */
  #started = false;
  #line = 1;
  #recordLine = 1;
  #error: string | undefined;
  /** The previous character was a CR: a following LF belongs to the same line break. */
  #afterCr = false;
  #first = true;

  /** Parses the next piece of text and returns the records it completed. */
  push(text: string): CsvRecord[] {
    const records: CsvRecord[] = [];
    let i = 0;
    if (this.#first && text.length > 0) {
      this.#first = false;
      if (text.charCodeAt(0) === 0xfeff) i = 1;
    }
    for (; i < text.length; i++) {
      const c = text[i] as string;
      if (this.#afterCr) {
        this.#afterCr = false;
        // The LF of a CRLF: the line (and, outside quotes, the record) already ended at the CR.
        if (c === '\n') {
          if (this.#state === 'quoted') this.#field += c;
          continue;
        }
      }
      if (!this.#started) {
        this.#started = true;
        this.#recordLine = this.#line;
      }
      switch (this.#state) {
        case 'quoted':
          if (c === '"') this.#state = 'quote';
          else if (c === '\n' || c === '\r') {
            this.#field += c;
            this.#newLine(c);
          } else {
            const end = runEnd(text, i, QUOTED_STOP);
            this.#field += text.slice(i, end);
            i = end - 1;
          }
          break;
        case 'quote':
          if (c === '"') {
            this.#field += '"';
            this.#state = 'quoted';
          } else if (c === ',' || c === '\n' || c === '\r') {
            this.#endField(c, records);
          } else {
            this.#error ??= `unexpected text after the closing quote of field ${this.#fields.length + 1}`;
            this.#field += c;
            this.#state = 'unquoted';
          }
          break;
        case 'start':
          if (c === '"') {
            this.#state = 'quoted';
            break;
          }
          if (c === ',' || c === '\n' || c === '\r') {
            this.#endField(c, records);
            break;
          }
          this.#state = 'unquoted';
          i--;
          break;
        case 'unquoted':
          if (c === ',' || c === '\n' || c === '\r') this.#endField(c, records);
          else {
            // Take the run of ordinary characters in one slice: most of a CSV is plain text.
            const end = runEnd(text, i, UNQUOTED_STOP);
            this.#field += text.slice(i, end);
            i = end - 1;
          }
          break;
      }
    }
    return records;
  }

  /** Ends the input and returns the last record, if the text did not end with a line break. */
  end(): CsvRecord[] {
    if (!this.#started) return [];
    if (this.#state === 'quoted') {
      this.#error ??= `the quoted field ${this.#fields.length + 1} is never closed`;
    }
    this.#fields.push(this.#field);
    const record = this.#record(this.#line);
    this.#reset();
    return [record];
  }

  #newLine(c: string): void {
    this.#line++;
    if (c === '\r') this.#afterCr = true;
  }

  #endField(c: string, records: CsvRecord[]): void {
    this.#fields.push(this.#field);
    this.#field = '';
    this.#state = 'start';
    if (c === ',') return;
    records.push(this.#record(this.#line));
    this.#reset();
    this.#newLine(c);
  }

  #record(endLine: number): CsvRecord {
    const record: CsvRecord = { fields: this.#fields, line: this.#recordLine, endLine };
    if (this.#error !== undefined) record.error = this.#error;
    return record;
  }

  #reset(): void {
    this.#fields = [];
    this.#field = '';
    this.#state = 'start';
    this.#started = false;
    this.#error = undefined;
  }
}

/** Parses a whole CSV text (for tests and small inputs). */
export function parseCsv(text: string): CsvRecord[] {
  const parser = new CsvParser();
  return [...parser.push(text), ...parser.end()];
}

/**
 * CSV records from a byte stream (a file), decoded as UTF-8. The decoder keeps a multi-byte
 * character split across two chunks whole.
 */
export async function* readCsvRecords(bytes: AsyncIterable<Buffer>): AsyncGenerator<CsvRecord> {
  const decoder = new StringDecoder('utf8');
  const parser = new CsvParser();
  for await (const chunk of bytes) yield* parser.push(decoder.write(chunk));
  yield* parser.push(decoder.end());
  yield* parser.end();
}

/** True when every field of a record is empty or blank: spreadsheets export such rows (`,,,`). */
export function isBlankRecord(record: CsvRecord): boolean {
  return record.fields.every((field) => field.trim() === '');
}
