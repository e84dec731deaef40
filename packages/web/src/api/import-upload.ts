import { SlipwayApiError, SlipwayConnectionError } from '@slipway/client';
import type { ImportResult } from './types.js';

export interface ImportProgress {
  /** Bytes of the body the browser has sent so far. */
  sent: number;
  total: number;
}

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

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * POSTs an NDJSON body to /api/v1/import with XMLHttpRequest, whose `upload.onprogress` reports
 * bytes sent (fetch has no upload progress, and streaming fetch bodies need HTTP/2). A File or a
 * Blob is read from disk by the browser as it sends, so a big file is never copied into script
 * memory. The answer arrives only after the server has imported every line.
 */
export function uploadImport(body: Blob, options: ImportOptions & { csrfToken: string | null }): Promise<ImportResult> {
  const query = new URLSearchParams();
  if (options.source) query.set('source', options.source);
  if (options.atomic) query.set('atomic', 'true');
  if (options.prune) query.set('prune', 'true');
  const url = `/api/v1/import${query.size > 0 ? `?${query}` : ''}`;

  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', url);
    request.withCredentials = true;
    request.setRequestHeader('content-type', 'application/x-ndjson');
    request.setRequestHeader('accept', 'application/json');
    if (options.csrfToken) request.setRequestHeader('x-csrf-token', options.csrfToken);
    request.responseType = 'text';

    const onAbort = () => request.abort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanUp = () => options.signal?.removeEventListener('abort', onAbort);

    request.upload.onprogress = (event) => {
      options.onProgress?.({ sent: event.loaded, total: event.lengthComputable ? event.total : body.size });
    };
    request.onload = () => {
      cleanUp();
      const parsed = parseJson(request.responseText);
      if (request.status >= 200 && request.status < 300) {
        resolve(parsed as ImportResult);
      } else {
        reject(
          SlipwayApiError.fromBody(
            request.status,
            parsed,
            request.getResponseHeader('x-request-id'),
            request.statusText,
          ),
        );
      }
    };
    request.onerror = () => {
      cleanUp();
      reject(new SlipwayConnectionError(window.location.origin, new Error('the upload was interrupted')));
    };
    request.onabort = () => {
      cleanUp();
      reject(new DOMException('The import was cancelled', 'AbortError'));
    };
    request.send(body);
  });
}
