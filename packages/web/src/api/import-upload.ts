import type { ImportResult } from './types.js';
import { type UploadProgress, uploadWithProgress } from './upload-with-progress.js';

export type ImportProgress = UploadProgress;

export interface ImportOptions {
  /** The feed's name; relationships remember it (`?source=`). */
  source?: string | undefined;
  /** All or nothing: any bad line rejects the whole import. */
  atomic?: boolean | undefined;
  /** With source: remove that source's relationships this import no longer contains. */
  prune?: boolean | undefined;
  onProgress?: ((progress: ImportProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * POSTs an NDJSON body to /api/v1/import with upload progress (see uploadWithProgress). The
 * answer arrives only after the server has imported every line.
 */
export async function uploadImport(
  body: Blob,
  options: ImportOptions & { csrfToken: string | null },
): Promise<ImportResult> {
  const query = new URLSearchParams();
  if (options.source) query.set('source', options.source);
  if (options.atomic) query.set('atomic', 'true');
  if (options.prune) query.set('prune', 'true');
  const answer = await uploadWithProgress<ImportResult>({
    url: `/api/v1/import${query.size > 0 ? `?${query}` : ''}`,
    body,
    contentType: 'application/x-ndjson',
    csrfToken: options.csrfToken,
    onProgress: options.onProgress,
    signal: options.signal,
    cancelledMessage: 'The import was cancelled',
  });
  return answer.body;
}
