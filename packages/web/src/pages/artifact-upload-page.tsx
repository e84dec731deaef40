import { RELEASE_ELEMENTS, type ReleaseElement } from '@slipway/model';
import { type FormEvent, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type { Artifact } from '../api/types.js';
import { formatBytes } from '../cmdb/ci-format.js';
import { ErrorNotice } from '../components/error-notice.js';
import { useDocumentTitle } from '../hooks/use-document-title.js';
import { guessFromFileName, rangeLines } from '../library/artifact-file-name.js';
import { sha256OfBlob } from '../library/sha256.js';
import { useSession } from '../session/session-context.js';

/** The server takes a .minisig of up to this many characters (library.schemas.ts). */
const MINISIG_MAX = 4096;
/** The server takes an SBOM of up to 32 MiB (library.routes.ts). */
const SBOM_MAX_BYTES = 32 * 1024 * 1024;

type Phase =
  | { kind: 'idle' }
  | { kind: 'hashing'; read: number; total: number }
  | { kind: 'uploading'; sent: number; total: number }
  | { kind: 'storing' }
  | { kind: 'attaching'; what: 'signature' | 'SBOM' };

/** What the page says on the artifact's own page after the upload (router location state). */
export interface UploadedNotice {
  uploaded: string;
}

interface Fields {
  name: string;
  artifactVersion: string;
  license: string;
  element: ReleaseElement | '';
  supplier: string;
  description: string;
  requires: string;
  conflicts: string;
}

const EMPTY: Fields = {
  name: '',
  artifactVersion: '',
  license: '',
  element: '',
  supplier: '',
  description: '',
  requires: '',
  conflicts: '',
};

/** A text field of the form: which of the Fields it edits, and how it is labelled and limited. */
interface TextFieldSpec {
  key: keyof Fields;
  id: string;
  label: string;
  required?: boolean;
  maxLength?: number;
  placeholder?: string;
  /** A textarea of this many rows instead of an input. */
  rows?: number;
  'aria-describedby'?: string;
}

/** The text fields before the release element. */
const NAMING_FIELDS: TextFieldSpec[] = [
  { key: 'name', id: 'upload-name', label: 'Name', required: true, maxLength: 200, placeholder: 'e.g. payroll' },
  {
    key: 'artifactVersion',
    id: 'upload-version',
    label: 'Version',
    required: true,
    maxLength: 100,
    placeholder: 'e.g. 4.2.0',
  },
  {
    key: 'license',
    id: 'upload-license',
    label: 'Licence (SPDX expression)',
    required: true,
    maxLength: 2000,
    placeholder: 'e.g. MIT OR Apache-2.0',
  },
];

/** The text fields after the release element; the ranges are described by #upload-ranges-help. */
const DETAIL_FIELDS: TextFieldSpec[] = [
  { key: 'supplier', id: 'upload-supplier', label: 'Supplier (optional)', maxLength: 200 },
  { key: 'description', id: 'upload-description', label: 'Description (optional)', maxLength: 2000 },
  {
    key: 'requires',
    id: 'upload-requires',
    label: 'Requires (optional, one a line)',
    rows: 2,
    placeholder: 'openssl >=3.0.0 <4',
    'aria-describedby': 'upload-ranges-help',
  },
  {
    key: 'conflicts',
    id: 'upload-conflicts',
    label: 'Conflicts with (optional, one a line)',
    rows: 2,
    placeholder: 'legacy-agent <2',
    'aria-describedby': 'upload-ranges-help',
  },
];

/** The artifact was stored, but what was to be attached after it was refused. */
interface StoredButRefused {
  artifact: Artifact;
  error: unknown;
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/** Reads the SBOM before anything is sent, so a broken file costs no upload. */
async function readSbom(file: File): Promise<Record<string, unknown>> {
  if (file.size > SBOM_MAX_BYTES) {
    throw new Error(`The SBOM file is ${formatBytes(file.size)}; Slipway takes SBOMs up to 32 MiB.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await file.text());
  } catch (error) {
    throw new Error(
      `${file.name} is not JSON (${error instanceof Error ? error.message : String(error)}); an SBOM must be a CycloneDX JSON document.`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${file.name} is not a CycloneDX document: it must be a JSON object.`);
  }
  return parsed as Record<string, unknown>;
}

async function readSignature(file: File): Promise<string> {
  const text = await file.text();
  if (text.length > MINISIG_MAX || !text.startsWith('untrusted comment:')) {
    throw new Error(`${file.name} is not a minisign signature (a .minisig file starts with “untrusted comment:”).`);
  }
  return text;
}

/**
 * Push an artifact into the software library: the file streams to the server with progress,
 * after the browser has hashed it so a corrupted upload is refused (nothing kept) instead of
 * stored; then the optional signature and SBOM are attached, and the artifact's page opens.
 */
export function ArtifactUploadPage() {
  useDocumentTitle('Upload an artifact');
  const { api } = useSession();
  const navigate = useNavigate();
  const [file, setFile] = useState<File | null>(null);
  const [signatureFile, setSignatureFile] = useState<File | null>(null);
  const [sbomFile, setSbomFile] = useState<File | null>(null);
  const [fields, setFields] = useState<Fields>(EMPTY);
  const [checkDigest, setCheckDigest] = useState(true);
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [error, setError] = useState<unknown>(undefined);
  const [partial, setPartial] = useState<StoredButRefused | null>(null);
  const controller = useRef<AbortController | null>(null);
  const lastGuess = useRef({ name: '', version: '' });
  const running = phase.kind !== 'idle';
  const set = (key: keyof Fields) => (value: string) => setFields((current) => ({ ...current, [key]: value }));
  /** What a TextField needs for one of the fields. */
  const bind = (key: keyof Fields) => ({ value: fields[key], onChange: set(key), disabled: running });

  function chooseFile(chosen: File | null) {
    setFile(chosen);
    setPartial(null);
    setError(undefined);
    if (!chosen) return;
    // Prefill what the file name tells, never over what the user typed (an earlier guess may go).
    const guess = guessFromFileName(chosen.name);
    const previous = lastGuess.current;
    lastGuess.current = { name: guess.name, version: guess.version ?? '' };
    setFields((current) => ({
      ...current,
      name: current.name === '' || current.name === previous.name ? guess.name : current.name,
      artifactVersion:
        current.artifactVersion === '' || current.artifactVersion === previous.version
          ? (guess.version ?? '')
          : current.artifactVersion,
    }));
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!file) return;
    const abort = new AbortController();
    controller.current = abort;
    setError(undefined);
    setPartial(null);
    let stored: Artifact | null = null;
    try {
      const sbom = sbomFile ? await readSbom(sbomFile) : null;
      const minisig = signatureFile ? await readSignature(signatureFile) : null;
      let expectedSha256: string | undefined;
      if (checkDigest) {
        setPhase({ kind: 'hashing', read: 0, total: file.size });
        expectedSha256 = await sha256OfBlob(
          file,
          (read) => setPhase({ kind: 'hashing', read, total: file.size }),
          abort.signal,
        );
      }
      setPhase({ kind: 'uploading', sent: 0, total: file.size });
      const pushed = await api.library.artifacts.push(
        file,
        {
          name: fields.name.trim(),
          artifactVersion: fields.artifactVersion.trim(),
          license: fields.license.trim(),
          element: fields.element || undefined,
          supplier: fields.supplier.trim() || undefined,
          description: fields.description.trim() || undefined,
          requires: rangeLines(fields.requires),
          conflicts: rangeLines(fields.conflicts),
        },
        {
          expectedSha256,
          signal: abort.signal,
          onProgress: ({ sent, total }) =>
            setPhase(sent >= total ? { kind: 'storing' } : { kind: 'uploading', sent, total }),
        },
      );
      stored = pushed.artifact;
      const done: string[] = [
        pushed.created
          ? `Uploaded ${file.name} (${formatBytes(stored.size)}): quarantined until someone else approves it.`
          : `The library already holds exactly this content as ${stored.name} ${stored.artifactVersion}; nothing new was stored.`,
      ];
      if (minisig !== null) {
        setPhase({ kind: 'attaching', what: 'signature' });
        stored = await api.library.artifacts.attachSignature(stored.id, minisig);
        done.push(`Signature ${stored.signature?.status ?? 'attached'}.`);
      }
      if (sbom !== null) {
        setPhase({ kind: 'attaching', what: 'SBOM' });
        const attached = await api.library.artifacts.attachSbom(stored.id, sbom);
        done.push(`SBOM attached (${attached.componentCount} components).`);
      }
      const state: UploadedNotice = { uploaded: done.join(' ') };
      navigate(`/library/artifacts/${stored.id}`, { state });
    } catch (failure) {
      setPhase({ kind: 'idle' });
      if (stored !== null) setPartial({ artifact: stored, error: failure });
      else if (isAbort(failure))
        setError(new Error('Upload cancelled; the server keeps nothing of an unfinished upload.'));
      else setError(failure);
    } finally {
      controller.current = null;
    }
  }

  return (
    <section className="page" aria-labelledby="upload-title">
      <div className="page-head">
        <h1 id="upload-title">Upload an artifact</h1>
        <Link to="/library">Back to the library</Link>
      </div>
      <p className="muted">
        A new artifact is quarantined until someone with the right to approve (not you) approves it. The browser hashes
        the file first and sends the digest along, so a corrupted upload is refused instead of stored.
      </p>
      <form className="card form upload-form" onSubmit={submit} aria-labelledby="upload-form-title">
        <h2 id="upload-form-title" className="visually-hidden">
          Artifact
        </h2>
        <div className="field">
          <label htmlFor="upload-file">File</label>
          <input
            id="upload-file"
            type="file"
            required
            disabled={running}
            onChange={(event) => chooseFile(event.target.files?.[0] ?? null)}
          />
          {file && (
            <p className="muted small" data-testid="upload-file-size">
              {file.name}, {formatBytes(file.size)}
            </p>
          )}
        </div>
        <div className="grid-2">
          {NAMING_FIELDS.map(({ key, ...field }) => (
            <TextField key={key} {...field} {...bind(key)} />
          ))}
          <div className="field">
            <label htmlFor="upload-element">Type (release element)</label>
            <select
              id="upload-element"
              disabled={running}
              value={fields.element}
              onChange={(event) => set('element')(event.target.value)}
            >
              <option value="">not set</option>
              {RELEASE_ELEMENTS.map((element) => (
                <option key={element} value={element}>
                  {element.replaceAll('_', ' ')}
                </option>
              ))}
            </select>
          </div>
          {DETAIL_FIELDS.map(({ key, ...field }) => (
            <TextField key={key} {...field} {...bind(key)} />
          ))}
        </div>
        <p id="upload-ranges-help" className="muted small">
          A product name, a space and a semver range; releases are checked against them for coexistence.
        </p>
        <div className="grid-2">
          <div className="field">
            <label htmlFor="upload-signature">Minisign signature (optional .minisig)</label>
            <input
              id="upload-signature"
              type="file"
              accept=".minisig,.sig,text/plain"
              disabled={running}
              onChange={(event) => setSignatureFile(event.target.files?.[0] ?? null)}
            />
          </div>
          <div className="field">
            <label htmlFor="upload-sbom">SBOM (optional CycloneDX JSON)</label>
            <input
              id="upload-sbom"
              type="file"
              accept=".json,.cdx.json,application/json,application/vnd.cyclonedx+json"
              disabled={running}
              onChange={(event) => setSbomFile(event.target.files?.[0] ?? null)}
            />
          </div>
        </div>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={checkDigest}
            disabled={running}
            onChange={(event) => setCheckDigest(event.target.checked)}
          />
          Check the digest: hash the file here first (reads it twice; untick only for very large files on trusted links)
        </label>
        <UploadProgressBar phase={phase} />
        <ErrorNotice error={error} />
        {partial && (
          <>
            <ErrorNotice error={partial.error} />
            <p className="notice notice-info" data-testid="upload-stored">
              The artifact itself was stored as{' '}
              <Link to={`/library/artifacts/${partial.artifact.id}`}>
                {partial.artifact.name} {partial.artifact.artifactVersion}
              </Link>
              ; only the attachment above was refused. Fix that file and upload again (the same content is not stored
              twice), or attach it with <code>slipway artifact sign</code> / <code>slipway artifact sbom --attach</code>
              .
            </p>
          </>
        )}
        <div className="actions">
          <button type="submit" disabled={!file || running}>
            {running ? 'Uploading…' : 'Upload'}
          </button>
          {running && (phase.kind === 'hashing' || phase.kind === 'uploading') && (
            <button type="button" className="button-secondary" onClick={() => controller.current?.abort()}>
              Cancel
            </button>
          )}
        </div>
      </form>
    </section>
  );
}

/** A labelled text input of the upload form; with `rows`, a textarea. */
function TextField({
  id,
  label,
  onChange,
  rows,
  ...attributes
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  disabled: boolean;
  rows?: number;
  required?: boolean;
  maxLength?: number;
  placeholder?: string;
  'aria-describedby'?: string;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {rows === undefined ? (
        <input id={id} {...attributes} onChange={(event) => onChange(event.target.value)} />
      ) : (
        <textarea id={id} rows={rows} {...attributes} onChange={(event) => onChange(event.target.value)} />
      )}
    </div>
  );
}

function UploadProgressBar({ phase }: { phase: Phase }) {
  if (phase.kind === 'idle') return null;
  let label: string;
  let value: number | undefined;
  let max = 1;
  if (phase.kind === 'hashing') {
    label = `Hashing: ${formatBytes(phase.read)} of ${formatBytes(phase.total)}`;
    value = phase.read;
    max = Math.max(1, phase.total);
  } else if (phase.kind === 'uploading') {
    label = `Sending: ${formatBytes(phase.sent)} of ${formatBytes(phase.total)}`;
    value = phase.sent;
    max = Math.max(1, phase.total);
  } else if (phase.kind === 'storing') {
    label = 'Sent; the server is checking the digest and storing the file…';
  } else {
    label = `Attaching the ${phase.what}…`;
  }
  return (
    <div className="import-progress" data-testid="upload-progress">
      <progress max={max} value={value} aria-describedby="upload-progress-label" />
      <p id="upload-progress-label" className="muted small" aria-live="polite">
        {label}
      </p>
    </div>
  );
}
