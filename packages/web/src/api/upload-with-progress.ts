import { SlipwayApiError, SlipwayConnectionError } from '@slipway/client';

export interface UploadProgress {
  /** Bytes of the body the browser has sent so far. */
  sent: number;
  total: number;
}

export interface UploadRequest {
  url: string;
  body: Blob;
  contentType: string;
  headers?: Record<string, string> | undefined;
  csrfToken: string | null;
  onProgress?: ((progress: UploadProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** What the AbortError says when the signal cancels the upload. */
  cancelledMessage: string;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * POSTs a Blob with XMLHttpRequest, whose `upload.onprogress` reports bytes sent (fetch has no
 * upload progress, and streaming fetch bodies need HTTP/2). A File or a Blob is read from disk by
 * the browser as it sends, so a big file is never copied into script memory. Resolves with the
 * status and parsed JSON answer; a refusal rejects with the server's SlipwayApiError (code and
 * message).
 */
export function uploadWithProgress<T>(request: UploadRequest): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', request.url);
    xhr.withCredentials = true;
    xhr.setRequestHeader('content-type', request.contentType);
    xhr.setRequestHeader('accept', 'application/json');
    if (request.csrfToken) xhr.setRequestHeader('x-csrf-token', request.csrfToken);
    for (const [name, value] of Object.entries(request.headers ?? {})) xhr.setRequestHeader(name, value);
    xhr.responseType = 'text';

    const onAbort = () => xhr.abort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanUp = () => request.signal?.removeEventListener('abort', onAbort);

    xhr.upload.onprogress = (event) => {
      request.onProgress?.({ sent: event.loaded, total: event.lengthComputable ? event.total : request.body.size });
    };
    xhr.onload = () => {
      cleanUp();
      const parsed = parseJson(xhr.responseText);
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve({ status: xhr.status, body: parsed as T });
      } else {
        reject(SlipwayApiError.fromBody(xhr.status, parsed, xhr.getResponseHeader('x-request-id'), xhr.statusText));
      }
    };
    xhr.onerror = () => {
      cleanUp();
      reject(new SlipwayConnectionError(window.location.origin, new Error('the upload was interrupted')));
    };
    xhr.onabort = () => {
      cleanUp();
      reject(new DOMException(request.cancelledMessage, 'AbortError'));
    };
    xhr.send(request.body);
  });
}
