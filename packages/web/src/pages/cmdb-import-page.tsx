import { type FormEvent, useCallback, useRef, useState } from 'react';
import { SlipwayApiError } from '../api/errors.js';
import type { ImportResult } from '../api/types.js';
import { formatBytes } from '../cmdb/ci-format.js';
import { type AttributeTypes, type ConversionError, CsvParser, CsvToNdjson } from '../cmdb/csv-import.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { useLoad } from '../hooks/use-load.js';
import { useSession } from '../session/session-context.js';

type Format = 'auto' | 'csv' | 'ndjson';

/** Converted NDJSON is handed to the upload as Blob parts of about this size (fewer, larger parts). */
const PART_BYTES = 1 << 20;
/** The server's rule for source names (import.service.ts). */
const SOURCE_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

const EMPTY_CSV: ConversionError = {
  line: 1,
  code: 'INVALID_HEADER',
  message: 'The file is empty: a CSV starts with a header line, e.g. class,name',
};

const CSV_EXAMPLE =
  'class,name,status,environment,owner,criticality,hostname,ip,os\n' +
  'virtual_machine,ams-web07,active,production,team-web,high,ams-web07.example.org,10.10.4.7,Ubuntu\n';
const RELATIONSHIP_EXAMPLE = 'source,type,target\napplication/booking-engine,runs_on,virtual_machine/ams-web07\n';

type Phase =
  | { kind: 'idle' }
  | { kind: 'preparing'; read: number; total: number }
  | { kind: 'uploading'; sent: number; total: number }
  | { kind: 'importing'; total: number }
  | { kind: 'done' };

interface Outcome {
  result: ImportResult | null;
  /** Bad lines, numbered as lines of the chosen file. */
  errors: ConversionError[];
  errorCount: number;
  fileName: string;
  rejected: boolean;
}

function formatOf(file: File, chosen: Format): 'csv' | 'ndjson' {
  if (chosen !== 'auto') return chosen;
  return /\.csv$/i.test(file.name) || file.type === 'text/csv' ? 'csv' : 'ndjson';
}

/**
 * Reads a CSV file chunk by chunk and turns it into the NDJSON body. The file itself is never
 * held in memory whole; the NDJSON is, as Blob parts the browser may keep off the script heap.
 */
async function csvToNdjsonBlob(
  file: File,
  attributeTypes: AttributeTypes,
  onProgress: (read: number) => void,
  signal: AbortSignal,
): Promise<{ blob: Blob; converter: CsvToNdjson }> {
  const parser = new CsvParser();
  const converter = new CsvToNdjson(attributeTypes);
  const parts: string[] = [];
  let pending = '';
  const emit = (text: string) => {
    pending += text;
    if (pending.length >= PART_BYTES) {
      parts.push(pending);
      pending = '';
    }
  };
  const reader = file.stream().pipeThrough(new TextDecoderStream()).getReader();
  let read = 0;
  for (;;) {
    if (signal.aborted) {
      await reader.cancel();
      throw new DOMException('The import was cancelled', 'AbortError');
    }
    const { value, done } = await reader.read();
    if (done) break;
    // Characters, not bytes, but close enough for a progress bar over a text file.
    read += value.length;
    onProgress(Math.min(read, file.size));
    emit(converter.convert(parser.push(value)));
    if (converter.fileError) {
      await reader.cancel();
      break;
    }
  }
  emit(converter.convert(parser.end()));
  if (pending) parts.push(pending);
  return { blob: new Blob(parts, { type: 'application/x-ndjson' }), converter };
}

/** Upload a CSV or NDJSON file into the CMDB with progress, then show what changed and every bad line. */
export function CmdbImportPage() {
  useDocumentTitle('Import into the CMDB');
  const { api } = useSession();
  const loadClasses = useCallback((signal: AbortSignal) => api.cmdb.classes(signal), [api]);
  const classes = useLoad(loadClasses);
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<Format>('auto');
  const [source, setSource] = useState('');
  const [atomic, setAtomic] = useState(false);
  const [prune, setPrune] = useState(false);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const controller = useRef<AbortController | null>(null);
  const running = phase.kind === 'preparing' || phase.kind === 'uploading' || phase.kind === 'importing';

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!file) return;
    const trimmedSource = source.trim();
    if (trimmedSource && !SOURCE_PATTERN.test(trimmedSource)) {
      setError(new Error('A source name is 1–64 letters, digits, ".", "_" or "-", e.g. discovery.'));
      return;
    }
    const abort = new AbortController();
    controller.current = abort;
    setError(undefined);
    setOutcome(null);
    const kind = formatOf(file, format);
    let converter: CsvToNdjson | null = null;
    try {
      let body: Blob = file;
      if (kind === 'csv') {
        setPhase({ kind: 'preparing', read: 0, total: file.size });
        const attributeTypes: AttributeTypes = new Map(
          (classes.data?.items ?? []).map((item) => [
            item.name,
            new Map(item.attributes.map((attribute) => [attribute.name, attribute.type])),
          ]),
        );
        const converted = await csvToNdjsonBlob(
          file,
          attributeTypes,
          (read) => setPhase({ kind: 'preparing', read, total: file.size }),
          abort.signal,
        );
        converter = converted.converter;
        body = converted.blob;
        const problem = converter.fileError ?? (converter.layout ? undefined : EMPTY_CSV);
        if (problem) {
          setOutcome({ result: null, errors: [problem], errorCount: 1, fileName: file.name, rejected: true });
          setPhase({ kind: 'done' });
          return;
        }
      }
      setPhase({ kind: 'uploading', sent: 0, total: body.size });
      const result = await api.cmdb.import(body, {
        source: trimmedSource || undefined,
        atomic,
        prune: prune && trimmedSource !== '',
        signal: abort.signal,
        onProgress: ({ sent, total }) =>
          setPhase(sent >= total ? { kind: 'importing', total } : { kind: 'uploading', sent, total }),
      });
      setOutcome(outcomeOf(result.errors, result.errorCount, result, file.name, converter));
      setPhase({ kind: 'done' });
    } catch (failure) {
      setPhase({ kind: 'idle' });
      const rejected = atomicErrors(failure);
      if (rejected) {
        setOutcome(outcomeOf(rejected.errors, rejected.count, null, file.name, converter));
        setError(failure);
      } else if (!(failure instanceof DOMException && failure.name === 'AbortError')) {
        setError(failure);
      } else {
        setError(
          new Error(
            'Import cancelled. Without “all or nothing”, lines the server had already received may have been imported.',
          ),
        );
      }
    } finally {
      controller.current = null;
    }
  }

  return (
    <section className="page" aria-labelledby="import-title">
      <h1 id="import-title">Import into the CMDB</h1>
      <p className="muted">
        CIs are matched by class and name: new ones are created, known ones updated, and identical lines change nothing,
        so the same file can be imported again safely.
      </p>
      <div className="card-grid">
        <form className="card form" onSubmit={submit} aria-labelledby="import-form-title">
          <h2 id="import-form-title">File</h2>
          <label htmlFor="import-file">CSV or NDJSON file</label>
          <input
            id="import-file"
            type="file"
            accept=".csv,.ndjson,.jsonl,.json,text/csv,application/x-ndjson"
            required
            disabled={running}
            onChange={(event) => {
              setFile(event.target.files?.[0] ?? null);
              setOutcome(null);
              setPhase({ kind: 'idle' });
            }}
          />
          <label htmlFor="import-format">Format</label>
          <select
            id="import-format"
            value={format}
            disabled={running}
            onChange={(event) => setFormat(event.target.value as Format)}
          >
            <option value="auto">from the file name (.csv or .ndjson)</option>
            <option value="csv">CSV</option>
            <option value="ndjson">NDJSON (one JSON object a line)</option>
          </select>
          <label htmlFor="import-source">Source name (optional)</label>
          <input
            id="import-source"
            maxLength={64}
            placeholder="e.g. discovery"
            aria-describedby="import-source-help"
            disabled={running}
            value={source}
            onChange={(event) => setSource(event.target.value)}
          />
          <p id="import-source-help" className="muted small">
            Relationships remember the feed that asserted them; the data-quality report uses it to find CIs a feed has
            stopped reporting.
          </p>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={atomic}
              disabled={running}
              onChange={(event) => setAtomic(event.target.checked)}
            />
            All or nothing: any bad line rejects the whole file
          </label>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={prune}
              disabled={running || source.trim() === ''}
              onChange={(event) => setPrune(event.target.checked)}
            />
            Remove this source's relationships the file no longer contains
          </label>
          <div className="actions">
            <button type="submit" disabled={!file || running}>
              {running ? 'Importing…' : 'Import'}
            </button>
            {running && (
              <button type="button" className="button-secondary" onClick={() => controller.current?.abort()}>
                Cancel
              </button>
            )}
          </div>
          <ImportProgress phase={phase} />
        </form>
        <section className="card" aria-labelledby="formats-title">
          <h2 id="formats-title">Formats</h2>
          <h3>CSV of CIs</h3>
          <p className="small">
            Header <code>class,name</code>, optionally <code>status,environment,owner,criticality</code>, then one
            column per attribute (<code>attr.&lt;name&gt;</code> for an attribute named like a field). Empty cells are
            left out; numbers and booleans are read as the class schema types them. The same files work with{' '}
            <code>slipway import</code>.
          </p>
          <pre className="example">{CSV_EXAMPLE}</pre>
          <h3>CSV of relationships</h3>
          <p className="small">
            Header <code>source,type,target</code>; each end is <code>class/name</code>. Import the CIs first.
          </p>
          <pre className="example">{RELATIONSHIP_EXAMPLE}</pre>
          <h3>NDJSON</h3>
          <p className="small">
            One object a line: <code>{'{"kind":"ci","class":…,"name":…,"attributes":{…}}'}</code> or{' '}
            <code>{'{"kind":"relationship","source":"class/name","type":…,"target":"class/name"}'}</code>, CIs before
            the relationships that use them.
          </p>
        </section>
      </div>
      <ErrorNotice error={error} />
      <ErrorNotice error={classes.error} />
      {outcome && <ImportOutcome outcome={outcome} />}
    </section>
  );
}

/** With ?atomic=true the server rejects the file with 422 and lists the bad lines in the details. */
function atomicErrors(
  failure: unknown,
): { errors: { line: number; code: string; message: string }[]; count: number } | null {
  if (!(failure instanceof SlipwayApiError)) return null;
  const { errors, errorCount } = failure.details;
  if (!Array.isArray(errors)) return null;
  const listed = errors.filter(
    (entry): entry is { line: number; code: string; message: string } =>
      typeof entry === 'object' &&
      entry !== null &&
      typeof (entry as { line?: unknown }).line === 'number' &&
      typeof (entry as { message?: unknown }).message === 'string',
  );
  return { errors: listed, count: typeof errorCount === 'number' ? errorCount : listed.length };
}

function outcomeOf(
  serverErrors: { line: number; code: string; message: string }[],
  serverErrorCount: number,
  result: ImportResult | null,
  fileName: string,
  converter: CsvToNdjson | null,
): Outcome {
  // A CSV row is sent at its own line, so the server's line numbers are the file's; a row found
  // bad here was sent as a rejected line, and the reason found here replaces the server's.
  const errors = serverErrors.map((entry) => converter?.problems.get(entry.line) ?? entry);
  return { result, errors, errorCount: serverErrorCount, fileName, rejected: result === null };
}

function ImportProgress({ phase }: { phase: Phase }) {
  if (phase.kind === 'idle' || phase.kind === 'done') return null;
  let label: string;
  let value: number | undefined;
  let max = 1;
  if (phase.kind === 'preparing') {
    label = `Reading the CSV: ${formatBytes(phase.read)} of ${formatBytes(phase.total)}`;
    value = phase.read;
    max = Math.max(1, phase.total);
  } else if (phase.kind === 'uploading') {
    label = `Sending: ${formatBytes(phase.sent)} of ${formatBytes(phase.total)}`;
    value = phase.sent;
    max = Math.max(1, phase.total);
  } else {
    label = `Sent ${formatBytes(phase.total)}; the server is importing the last lines…`;
    value = undefined;
  }
  return (
    <div className="import-progress" data-testid="import-progress">
      <progress id="import-progress-bar" max={max} value={value} aria-describedby="import-progress-label" />
      <p id="import-progress-label" className="muted small" aria-live="polite">
        {label}
      </p>
    </div>
  );
}

function ImportOutcome({ outcome }: { outcome: Outcome }) {
  const { result } = outcome;
  return (
    <section className="card" aria-labelledby="outcome-title" data-testid="import-outcome">
      <h2 id="outcome-title">
        {outcome.rejected ? `${outcome.fileName} was not imported` : `Imported ${outcome.fileName}`}
      </h2>
      {result && (
        <>
          <p className="muted">
            {result.lines} lines in {(result.durationMs / 1000).toFixed(1)} s.
          </p>
          <table className="counts-table">
            <caption className="visually-hidden">What the import changed</caption>
            <thead>
              <tr>
                <th scope="col" />
                <th scope="col">Created</th>
                <th scope="col">Updated</th>
                <th scope="col">Unchanged</th>
                <th scope="col">Removed</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <th scope="row">CIs</th>
                <td data-testid="cis-created">{result.cis.created}</td>
                <td data-testid="cis-updated">{result.cis.updated}</td>
                <td>{result.cis.unchanged}</td>
                <td className="muted">—</td>
              </tr>
              <tr>
                <th scope="row">Relationships</th>
                <td>{result.relationships.created}</td>
                <td className="muted">—</td>
                <td>{result.relationships.unchanged}</td>
                <td>{result.relationships.pruned}</td>
              </tr>
            </tbody>
          </table>
        </>
      )}
      <h3 className="errors-title">
        {outcome.errorCount === 0
          ? 'No bad lines.'
          : `${outcome.errorCount} bad ${outcome.errorCount === 1 ? 'line' : 'lines'}${outcome.rejected ? '' : ' (the good lines were imported)'}`}
      </h3>
      {outcome.errors.length > 0 && (
        <div className="table-wrap">
          <table className="import-errors">
            <caption className="visually-hidden">Bad lines of {outcome.fileName}</caption>
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col">Problem</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {outcome.errors.map((entry) => (
                <tr key={`${entry.line}-${entry.code}-${entry.message}`}>
                  <td className="numeric">{entry.line}</td>
                  <td>
                    <code>{entry.code}</code>
                  </td>
                  <td>{entry.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {outcome.errors.length < outcome.errorCount && (
        <p className="muted small">The first {outcome.errors.length} are listed.</p>
      )}
    </section>
  );
}
