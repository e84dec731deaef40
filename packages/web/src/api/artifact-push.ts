import type { ReleaseElement } from '@slipway/model';
import type { Artifact } from './types.js';
import { type UploadProgress, uploadWithProgress } from './upload-with-progress.js';

/** What describes an artifact when it is pushed (the streamed form's query string). */
export interface ArtifactPushMetadata {
  name: string;
  artifactVersion: string;
  /** SPDX licence expression. */
  license: string;
  element?: ReleaseElement | undefined;
  supplier?: string | undefined;
  description?: string | undefined;
  /** `"<product> <semver range>"`, e.g. `"openssl >=3.0.0 <4"`. */
  requires?: readonly string[] | undefined;
  conflicts?: readonly string[] | undefined;
}

export interface ArtifactPushOptions {
  /** Hex SHA-256 the browser computed: the server refuses (422) and keeps nothing if the bytes differ. */
  expectedSha256?: string | undefined;
  onProgress?: ((progress: UploadProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/** The push's answer: the artifact, and whether it is new (201) or the same content already held (200). */
export interface ArtifactPushResult {
  artifact: Artifact;
  created: boolean;
}

/** The query string of the streamed push; empty optional fields are left out. */
export function pushQuery(metadata: ArtifactPushMetadata): URLSearchParams {
  const query = new URLSearchParams({
    name: metadata.name,
    artifactVersion: metadata.artifactVersion,
    license: metadata.license,
  });
  if (metadata.element) query.set('element', metadata.element);
  if (metadata.supplier) query.set('supplier', metadata.supplier);
  if (metadata.description) query.set('description', metadata.description);
  for (const range of metadata.requires ?? []) query.append('requires', range);
  for (const range of metadata.conflicts ?? []) query.append('conflicts', range);
  return query;
}

/**
 * Streams a file into the software library (`POST /api/v1/artifacts`, application/octet-stream,
 * metadata in the query string) with upload progress. The streamed form takes any size up to
 * the server's limit, where the JSON form would need the bytes in base64 in memory.
 */
export async function pushArtifact(
  file: Blob,
  metadata: ArtifactPushMetadata,
  options: ArtifactPushOptions & { csrfToken: string | null },
): Promise<ArtifactPushResult> {
  const answer = await uploadWithProgress<Artifact>({
    url: `/api/v1/artifacts?${pushQuery(metadata)}`,
    body: file,
    contentType: 'application/octet-stream',
    headers: options.expectedSha256 ? { 'slipway-expected-sha256': options.expectedSha256 } : undefined,
    csrfToken: options.csrfToken,
    onProgress: options.onProgress,
    signal: options.signal,
    cancelledMessage: 'The upload was cancelled; the server keeps nothing of an unfinished upload.',
  });
  return { artifact: answer.body, created: answer.status === 201 };
}
