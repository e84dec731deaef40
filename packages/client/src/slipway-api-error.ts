import type { ErrorCode } from '@slipway/model';

/**
 * A code from the server's error vocabulary (docs/errors.md), or `HTTP_<status>` when the answer
 * did not carry Slipway's error shape (a proxy's 502 page, say).
 */
export type SlipwayErrorCode = ErrorCode | `HTTP_${number}`;

interface ErrorShape {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

function isErrorShape(body: unknown): body is ErrorShape {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = (body as { error: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

/**
 * An error answer from the Slipway API: the HTTP status and the server's code, message and
 * details, so callers show the server's own words ("A user named "x" already exists").
 */
export class SlipwayApiError extends Error {
  override readonly name = 'SlipwayApiError';

  constructor(
    readonly status: number,
    readonly code: SlipwayErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    /** The server's X-Request-Id, to find the request in its logs. */
    readonly requestId: string | null = null,
  ) {
    super(message);
  }

  /** Whether this is the given server error code. */
  is(code: ErrorCode): boolean {
    return this.code === code;
  }

  /** Builds the error from a parsed body (JSON when the server sent JSON, else its text). */
  static fromBody(status: number, body: unknown, requestId: string | null, statusText = ''): SlipwayApiError {
    if (isErrorShape(body)) {
      return new SlipwayApiError(
        status,
        body.error.code as SlipwayErrorCode,
        body.error.message,
        body.error.details ?? {},
        requestId,
      );
    }
    const text = typeof body === 'string' ? body.trim().slice(0, 200) : '';
    const message = `HTTP ${status}${statusText ? ` ${statusText}` : ''}${text ? `: ${text}` : ''}`;
    return new SlipwayApiError(status, `HTTP_${status}`, message, {}, requestId);
  }

  /** Reads an error response's body (consumes it). */
  static async fromResponse(response: Response): Promise<SlipwayApiError> {
    const text = await response.text().catch(() => '');
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: fromBody reports the status and the start of the text.
    }
    return SlipwayApiError.fromBody(response.status, body, response.headers.get('x-request-id'), response.statusText);
  }
}

/** The server could not be reached at all (refused, DNS, TLS, reset): no HTTP answer exists. */
export class SlipwayConnectionError extends Error {
  override readonly name = 'SlipwayConnectionError';

  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`Cannot reach Slipway at ${url}: ${describeCause(cause)}`, { cause });
  }
}

/** Node's fetch hides the useful part ("connect ECONNREFUSED 127.0.0.1:8080") in `cause`. */
function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const inner = cause.cause;
    if (inner instanceof Error && inner.message) return inner.message;
    if (typeof inner === 'object' && inner !== null && 'code' in inner)
      return String((inner as { code: unknown }).code);
    return cause.message;
  }
  return String(cause);
}
