import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { paginate, SlipwayApiError, type SlipwayClient, unwrap } from '@slipway/client';
import { ARTIFACT_STATES, type ArtifactState, RELEASE_ELEMENTS, type ReleaseElement } from '@slipway/model';
import type { Command } from 'commander';
import { type ApiOptions, apiClient, withApiOptions } from '../api-context.js';
import { CliError, type CliIo, printJson, printLines } from '../cli-io.js';
import type { Artifact, Sbom, SbomComponent } from '../library-api.js';
import { oneOf } from '../option-parsers.js';
import { startProgress } from '../progress.js';
import { streamedBody } from '../streaming-body.js';
import { formatBytes, formatTable, shortTime } from '../table-format.js';

const CHUNK = 1 << 20;

function artifactId(text: string): number {
  const id = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(id) || id < 1) throw new CliError(`"${text}" is not an artifact id`);
  return id;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`Cannot read ${what} ${file}: ${(error as Error).message}`);
  }
}

/** Hashes a file as it is read, reporting bytes read. */
async function sha256File(file: string, onBytes: (bytes: number) => void): Promise<string> {
  const hash = crypto.createHash('sha256');
  let done = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    done += chunk.length;
    onBytes(done);
  }
  return hash.digest('hex');
}

function describeArtifact(a: Artifact, sbom: Sbom | null): string[] {
  const signature = a.signature
    ? `${a.signature.status} (key ${a.signature.keyId ?? '?'}${a.signature.reason ? `: ${a.signature.reason}` : ''})`
    : 'none';
  const rows: [string, string][] = [
    ['state', `${a.state}${a.stateReason ? ` (${a.stateReason})` : ''}`],
    ['sha256', a.sha256],
    ['size', `${formatBytes(a.size)} (${a.size} bytes)`],
    ['licence', `${a.license} — ${a.licence.verdict} (${a.licence.rule})`],
    ['element', a.element ?? '-'],
    ['supplier', a.supplier ?? '-'],
    ['uploaded by', a.uploadedBy.name],
    ['approved by', a.approvedBy ? `${a.approvedBy} at ${shortTime(a.approvedAt)}` : '-'],
    ['verified', shortTime(a.lastVerifiedAt)],
    ['signature', signature],
    ['requires', a.requires.map((r) => `${r.name} ${r.range}`).join(', ') || '-'],
    ['conflicts', a.conflicts.map((r) => `${r.name} ${r.range}`).join(', ') || '-'],
    [
      'sbom',
      sbom
        ? `CycloneDX ${sbom.specVersion}, ${sbom.componentCount} components: ${sbom.licences.allowed} allowed, ${sbom.licences.denied} denied, ${sbom.licences.needsReview} need review, ${sbom.licences.reviewed} reviewed`
        : 'none',
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    `${a.name} ${a.artifactVersion} (artifact ${a.id}, version ${a.version})`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
  ];
}

async function sbomOf(api: SlipwayClient, id: number): Promise<Sbom | null> {
  try {
    return await unwrap(api.GET('/api/v1/artifacts/{id}/sbom', { params: { path: { id } } }));
  } catch (error) {
    if (error instanceof SlipwayApiError && error.status === 404) return null;
    throw error;
  }
}

function artifactTable(items: readonly Artifact[]): string {
  return formatTable(items, [
    { header: 'ID', value: (a) => String(a.id) },
    { header: 'NAME', value: (a) => a.name },
    { header: 'VERSION', value: (a) => a.artifactVersion },
    { header: 'STATE', value: (a) => a.state },
    { header: 'LICENCE', value: (a) => `${a.license} (${a.licence.verdict})` },
    { header: 'SIZE', value: (a) => formatBytes(a.size) },
    { header: 'SHA256', value: (a) => a.sha256.slice(0, 12) },
  ]);
}

interface PushOptions extends ApiOptions {
  name: string;
  version: string;
  license: string;
  element?: ReleaseElement;
  supplier?: string;
  description?: string;
  requires?: string[];
  conflicts?: string[];
  signature?: string;
  sbom?: string;
  digest: boolean;
  json?: boolean;
}

/**
 * `slipway artifact …`: push (streamed, with a progress bar), list, show, approve, retire,
 * verify, download (ranged-resumable by the server; checked against the digest), sign, sbom,
 * and trusted keys.
 */
export function registerArtifactCommands(program: Command, io: CliIo): void {
  const artifact = program
    .command('artifact')
    .description('The Definitive Software Library: push, approve, verify and download artifacts');

  withApiOptions(
    artifact
      .command('push')
      .description('Push a file into the library (quarantined until someone else approves it)')
      .argument('<file>', 'the artifact file')
      .requiredOption('--name <name>', 'product name, e.g. openssl')
      .requiredOption('--version <version>', "the artifact's version, e.g. 3.0.13")
      .requiredOption('--license <spdx>', 'SPDX licence expression, e.g. "MIT OR Apache-2.0"')
      .option('--element <element>', `release element (${RELEASE_ELEMENTS.join(', ')})`, oneOf(RELEASE_ELEMENTS))
      .option('--supplier <supplier>', 'who supplies it')
      .option('--description <text>', 'what it is')
      .option('--requires <spec>', 'repeatable: "<product> <semver range>", e.g. "openssl >=3.0.0 <4"', collect)
      .option('--conflicts <spec>', 'repeatable, like --requires', collect)
      .option('--signature <file>', 'a minisign signature (.minisig) of the file, checked against trusted keys')
      .option('--sbom <file>', 'a CycloneDX JSON SBOM to attach')
      .option('--no-digest', 'do not hash the file first (the server then cannot refuse a corrupted upload)')
      .option('--json', 'print the artifact as JSON'),
  ).action(async (file: string, options: PushOptions) => {
    let size: number;
    try {
      const stats = fs.statSync(file);
      if (!stats.isFile()) throw new Error('not a regular file');
      size = stats.size;
    } catch (error) {
      throw new CliError(`Cannot read ${file}: ${(error as Error).message}`);
    }
    const signature = options.signature ? readText(options.signature, 'signature') : undefined;
    const sbomText = options.sbom ? readText(options.sbom, 'SBOM') : undefined;
    let sbom: Record<string, unknown> | undefined;
    if (sbomText !== undefined) {
      try {
        sbom = JSON.parse(sbomText) as Record<string, unknown>;
      } catch (error) {
        throw new CliError(`${options.sbom} is not JSON: ${(error as Error).message}`);
      }
    }
    const { api } = apiClient(options, io);
    const quiet = options.json === true || io.stdout.isTTY !== true;
    let expected: string | undefined;
    if (options.digest) {
      const hashing = startProgress(io, { label: 'Hashing  ', total: size, unit: 'bytes', json: quiet });
      expected = await sha256File(file, (bytes) => hashing.update(bytes));
      hashing.stop();
    }
    const progress = startProgress(io, { label: 'Uploading', total: size, unit: 'bytes', json: quiet });
    let sent = 0;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for await (const chunk of fs.createReadStream(file, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
        sent += chunk.length;
        progress.update(sent);
        yield chunk;
      }
    }
    let pushed: Artifact;
    try {
      pushed = (await unwrap(
        api.POST('/api/v1/artifacts', {
          params: {
            query: {
              name: options.name,
              artifactVersion: options.version,
              license: options.license,
              ...(options.element && { element: options.element }),
              ...(options.supplier && { supplier: options.supplier }),
              ...(options.description && { description: options.description }),
              ...(options.requires && { requires: options.requires }),
              ...(options.conflicts && { conflicts: options.conflicts }),
            },
            header: expected ? { 'slipway-expected-sha256': expected } : {},
          },
          ...streamedBody(chunks, 'application/octet-stream'),
          // The generated types know the JSON form of this route only; the streamed body is
          // supplied by streamedBody's fetch.
        } as never),
      )) as Artifact;
    } finally {
      progress.stop();
    }
    if (signature !== undefined) {
      pushed = (await unwrap(
        api.PUT('/api/v1/artifacts/{id}/signature', {
          params: { path: { id: pushed.id } },
          body: { minisig: signature },
        }),
      )) as Artifact;
    }
    let attached: Sbom | null = null;
    if (sbom !== undefined) {
      attached = await unwrap(
        api.POST('/api/v1/artifacts/{id}/sbom', { params: { path: { id: pushed.id } }, body: sbom }),
      );
    }
    if (options.json) printJson(io, { ...pushed, sbom: attached });
    else printLines(io, `Pushed ${path.basename(file)}`, ...describeArtifact(pushed, attached));
  });

  withApiOptions(
    artifact
      .command('list')
      .description('List artifacts')
      .option('--name <name>', 'exact name')
      .option('--q <text>', 'part of the name')
      .option('--state <state>', `one of ${ARTIFACT_STATES.join(', ')}`, oneOf(ARTIFACT_STATES))
      .option('--json', 'print JSON'),
  ).action(async (options: ApiOptions & { name?: string; q?: string; state?: ArtifactState; json?: boolean }) => {
    const { api } = apiClient(options, io);
    const items: Artifact[] = [];
    for await (const item of paginate<Artifact>((cursor) =>
      unwrap(
        api.GET('/api/v1/artifacts', {
          params: {
            query: {
              limit: 1000,
              ...(cursor && { cursor }),
              ...(options.name && { name: options.name }),
              ...(options.q && { q: options.q }),
              ...(options.state && { state: options.state }),
            },
          },
        }),
      ),
    )) {
      items.push(item);
    }
    if (options.json) printJson(io, items);
    else printLines(io, items.length === 0 ? 'No artifacts' : artifactTable(items));
  });

  withApiOptions(
    artifact
      .command('show')
      .description('Show an artifact, its signature and its SBOM')
      .argument('<id>')
      .option('--json', 'print JSON'),
  ).action(async (id: string, options: ApiOptions & { json?: boolean }) => {
    const { api } = apiClient(options, io);
    const a = await unwrap(api.GET('/api/v1/artifacts/{id}', { params: { path: { id: artifactId(id) } } }));
    const sbom = await sbomOf(api, a.id);
    if (options.json) printJson(io, { ...a, sbom });
    else printLines(io, ...describeArtifact(a, sbom));
  });

  withApiOptions(
    artifact
      .command('approve')
      .description('Approve a quarantined artifact (not your own upload)')
      .argument('<id>')
      .option('--json', 'print JSON'),
  ).action(async (id: string, options: ApiOptions & { json?: boolean }) => {
    const { api } = apiClient(options, io);
    const a = await unwrap(api.POST('/api/v1/artifacts/{id}/approve', { params: { path: { id: artifactId(id) } } }));
    if (options.json) printJson(io, a);
    else printLines(io, `Approved ${a.name} ${a.artifactVersion} (artifact ${a.id})`);
  });

  withApiOptions(
    artifact
      .command('retire')
      .description('Retire an artifact')
      .argument('<id>')
      .option('--reason <text>', 'why')
      .option('--json', 'print JSON'),
  ).action(async (id: string, options: ApiOptions & { reason?: string; json?: boolean }) => {
    const { api } = apiClient(options, io);
    const a = await unwrap(
      api.POST('/api/v1/artifacts/{id}/retire', {
        params: { path: { id: artifactId(id) } },
        body: options.reason ? { reason: options.reason } : {},
      }),
    );
    if (options.json) printJson(io, a);
    else printLines(io, `Retired ${a.name} ${a.artifactVersion} (artifact ${a.id})`);
  });

  withApiOptions(
    artifact
      .command('verify')
      .description('Re-hash stored content and re-check its signature; exits 1 when it fails')
      .argument('[id]', 'one artifact (default: every artifact)')
      .option('--json', 'print JSON'),
  ).action(async (id: string | undefined, options: ApiOptions & { json?: boolean }) => {
    const { api } = apiClient(options, io);
    if (id === undefined) {
      const all = await unwrap(api.POST('/api/v1/library/verify', {}));
      if (options.json) printJson(io, all);
      else {
        printLines(
          io,
          `Checked ${all.checked} artifacts in ${(all.durationMs / 1000).toFixed(1)} s: ${all.ok} ok`,
          ...(all.compromised.length > 0 ? [`Compromised: ${all.compromised.join(', ')}`] : []),
          ...(all.signatureFailures.length > 0 ? [`Signatures failing: ${all.signatureFailures.join(', ')}`] : []),
        );
      }
      if (all.compromised.length > 0) throw new CliError(`${all.compromised.length} artifact(s) are compromised`);
      return;
    }
    const result = await unwrap(
      api.POST('/api/v1/artifacts/{id}/verify', { params: { path: { id: artifactId(id) } } }),
    );
    if (options.json) printJson(io, result);
    else {
      printLines(
        io,
        `${result.artifact.name} ${result.artifact.artifactVersion} (artifact ${result.artifact.id}): content ${result.content}, state ${result.artifact.state}`,
        ...(result.signature
          ? [`signature ${result.signature.status}${result.signature.reason ? `: ${result.signature.reason}` : ''}`]
          : []),
      );
    }
    if (!result.ok) throw new CliError(`Artifact ${result.artifact.id} failed verification`);
  });

  withApiOptions(
    artifact
      .command('download')
      .description("Download an artifact's content and check it against its digest")
      .argument('<id>')
      .option('-o, --output <file>', 'where to write it (default: <name>-<version> in the current directory)')
      .option('--json', 'print a JSON summary'),
  ).action(async (id: string, options: ApiOptions & { output?: string; json?: boolean }) => {
    const { api, baseUrl } = apiClient(options, io);
    const a = await unwrap(api.GET('/api/v1/artifacts/{id}', { params: { path: { id: artifactId(id) } } }));
    const target = options.output ?? `${a.name}-${a.artifactVersion}`.replace(/[^A-Za-z0-9._+-]/g, '_');
    const token = options.token ?? io.env.SLIPWAY_TOKEN ?? '';
    const response = await fetch(`${baseUrl}/api/v1/artifacts/${a.id}/content`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (!response.ok || !response.body) {
      const body = (await response.json().catch(() => null)) as { error?: { message?: string; code?: string } } | null;
      throw new CliError(
        `${body?.error?.message ?? `Download failed with HTTP ${response.status}`} (HTTP ${response.status} ${body?.error?.code ?? ''})`,
      );
    }
    const expected = response.headers.get('slipway-sha256') ?? a.sha256;
    const progress = startProgress(io, {
      label: 'Downloading',
      total: a.size,
      unit: 'bytes',
      json: options.json === true || io.stdout.isTTY !== true,
    });
    const partial = `${target}.part`;
    const out = fs.createWriteStream(partial);
    const hash = crypto.createHash('sha256');
    let received = 0;
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        received += chunk.byteLength;
        progress.update(received);
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
      await new Promise<void>((resolve, reject) =>
        out.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
    } catch (error) {
      out.destroy();
      fs.rmSync(partial, { force: true });
      throw new CliError(`Download of artifact ${a.id} was cut off: ${(error as Error).message}`);
    } finally {
      progress.stop();
    }
    const actual = hash.digest('hex');
    if (actual !== expected) {
      fs.rmSync(partial, { force: true });
      throw new CliError(`The downloaded bytes hash to ${actual}, not ${expected}: nothing was written`);
    }
    fs.renameSync(partial, target);
    if (options.json) printJson(io, { id: a.id, file: target, size: received, sha256: actual });
    else
      printLines(
        io,
        `Downloaded ${a.name} ${a.artifactVersion} to ${target} (${formatBytes(received)}, sha256 ${actual} verified)`,
      );
  });

  withApiOptions(
    artifact
      .command('sign')
      .description('Attach a minisign signature to a quarantined artifact')
      .argument('<id>')
      .argument('<minisig>', 'the .minisig file')
      .option('--json', 'print JSON'),
  ).action(async (id: string, minisig: string, options: ApiOptions & { json?: boolean }) => {
    const { api } = apiClient(options, io);
    const a = await unwrap(
      api.PUT('/api/v1/artifacts/{id}/signature', {
        params: { path: { id: artifactId(id) } },
        body: { minisig: readText(minisig, 'signature') },
      }),
    );
    if (options.json) printJson(io, a);
    else printLines(io, `Signature by key ${a.signature?.keyId} verified for ${a.name} ${a.artifactVersion}`);
  });

  withApiOptions(
    artifact
      .command('sbom')
      .description("List an artifact's SBOM components with their licences (or attach one with --attach)")
      .argument('<id>')
      .option('--attach <file>', 'attach this CycloneDX JSON SBOM first')
      .option(
        '--verdict <verdict>',
        'only allowed, denied or needs_review',
        oneOf(['allowed', 'denied', 'needs_review'] as const),
      )
      .option('--json', 'print JSON'),
  ).action(
    async (
      id: string,
      options: ApiOptions & { attach?: string; verdict?: 'allowed' | 'denied' | 'needs_review'; json?: boolean },
    ) => {
      const { api } = apiClient(options, io);
      const artifactNumber = artifactId(id);
      if (options.attach) {
        let document: Record<string, unknown>;
        try {
          document = JSON.parse(readText(options.attach, 'SBOM')) as Record<string, unknown>;
        } catch (error) {
          throw new CliError(`${options.attach} is not JSON: ${(error as Error).message}`);
        }
        await unwrap(
          api.POST('/api/v1/artifacts/{id}/sbom', { params: { path: { id: artifactNumber } }, body: document }),
        );
      }
      const components: SbomComponent[] = [];
      for await (const c of paginate<SbomComponent>((cursor) =>
        unwrap(
          api.GET('/api/v1/artifacts/{id}/sbom/components', {
            params: {
              path: { id: artifactNumber },
              query: { limit: 1000, ...(cursor && { cursor }), ...(options.verdict && { verdict: options.verdict }) },
            },
          }),
        ),
      )) {
        components.push(c);
      }
      if (options.json) printJson(io, components);
      else {
        printLines(
          io,
          formatTable(components, [
            { header: 'ID', value: (c) => String(c.id) },
            { header: 'COMPONENT', value: (c) => `${c.group ? `${c.group}/` : ''}${c.name}` },
            { header: 'VERSION', value: (c) => c.version ?? '-' },
            {
              header: 'LICENCE',
              value: (c) =>
                c.licenseExpression ?? (c.licenses.map((l) => ('name' in l ? `"${l.name}"` : '')).join(' ') || '-'),
            },
            { header: 'VERDICT', value: (c) => (c.review ? `reviewed by ${c.review.by}` : c.licence.verdict) },
          ]),
        );
      }
    },
  );

  withApiOptions(
    artifact
      .command('diff')
      .description('Compare the SBOMs of two artifacts')
      .argument('<from>', 'older artifact id')
      .argument('<to>', 'newer artifact id')
      .option('--json', 'print JSON'),
  ).action(async (from: string, to: string, options: ApiOptions & { json?: boolean }) => {
    const { api } = apiClient(options, io);
    const diff = await unwrap(
      api.GET('/api/v1/sboms/diff', { params: { query: { from: artifactId(from), to: artifactId(to) } } }),
    );
    if (options.json) {
      printJson(io, diff);
      return;
    }
    const label = (c: { group: string | null; name: string }) => `${c.group ? `${c.group}/` : ''}${c.name}`;
    printLines(
      io,
      ...diff.added.map((c) => `+ ${label(c)} ${c.version ?? ''}`),
      ...diff.removed.map((c) => `- ${label(c)} ${c.version ?? ''}`),
      ...diff.upgraded.map((c) => `↑ ${label(c)} ${c.from} → ${c.to}`),
      ...diff.downgraded.map((c) => `↓ ${label(c)} ${c.from} → ${c.to}`),
      `${diff.added.length} added, ${diff.removed.length} removed, ${diff.upgraded.length} upgraded, ${diff.downgraded.length} downgraded, ${diff.unchanged} unchanged`,
    );
  });

  withApiOptions(
    artifact
      .command('trust')
      .description('Trust a minisign public key for artifact signatures (admins)')
      .argument('<pubkey>', 'the minisign .pub file')
      .requiredOption('--key-name <name>', 'whose key it is')
      .option('--json', 'print JSON'),
  ).action(async (pubkey: string, options: ApiOptions & { keyName: string; json?: boolean }) => {
    const { api } = apiClient(options, io);
    const key = await unwrap(
      api.POST('/api/v1/library/keys', { body: { name: options.keyName, publicKey: readText(pubkey, 'public key') } }),
    );
    if (options.json) printJson(io, key);
    else printLines(io, `Trusted key ${key.keyId} (${key.name}), id ${key.id}`);
  });
}
