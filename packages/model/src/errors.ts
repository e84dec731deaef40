/**
 * The stable error codes of the HTTP API, with the status each maps to.
 * `docs/errors.md` lists the same codes; a test keeps the two in step.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, meaning: 'The request does not match the documented schema' },
  INVALID_JSON: { status: 400, meaning: 'The body is not valid JSON' },
  INVALID_INPUT: { status: 400, meaning: 'A value is well-formed but not acceptable (the message says why)' },
  INVALID_CURSOR: { status: 400, meaning: 'The pagination cursor was not issued by this server or is corrupt' },
  UNAUTHENTICATED: { status: 401, meaning: 'No valid token or session was presented' },
  INVALID_CREDENTIALS: { status: 401, meaning: 'Username or password is wrong (never says which)' },
  FORBIDDEN: { status: 403, meaning: "The caller's roles do not grant the permission the route needs" },
  CSRF_FAILED: {
    status: 403,
    meaning: 'A cookie-authenticated write lacked a valid CSRF token or came from another site',
  },
  SOD_VIOLATION: { status: 403, meaning: 'Segregation of duties forbids this person from doing this to this object' },
  NOT_FOUND: { status: 404, meaning: 'No such route or object' },
  CONFLICT: { status: 409, meaning: 'The write conflicts with the current state (duplicate name, object in use)' },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, meaning: 'A request with this Idempotency-Key is still being processed' },
  PRECONDITION_FAILED: { status: 412, meaning: "If-Match does not match the object's current version" },
  PAYLOAD_TOO_LARGE: { status: 413, meaning: 'The body exceeds the configured limit' },
  RANGE_NOT_SATISFIABLE: { status: 416, meaning: 'The Range header asks for bytes outside the content' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'The Content-Type is not accepted by this route' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, meaning: 'The Idempotency-Key was already used with a different request' },
  DOMAIN_RULE: { status: 422, meaning: 'A domain rule forbids the operation (the message names the rule)' },
  ILLEGAL_TRANSITION: { status: 422, meaning: 'The state transition is not allowed; details list the allowed ones' },
  FREEZE_WINDOW: { status: 422, meaning: 'The planned window falls in a freeze (blackout) window; details name it' },
  POLICY_VIOLATION: {
    status: 422,
    meaning: 'A release policy gate is not met; details.violations lists every unmet rule (id, message)',
  },
  RATE_LIMITED: { status: 429, meaning: 'Too many requests; retry after the Retry-After header' },
  LOGIN_THROTTLED: { status: 429, meaning: 'Too many failed logins for this account name; retry later' },
  INTERNAL: { status: 500, meaning: 'A fault in Slipway itself; the request id locates it in the logs' },
  UNAVAILABLE: { status: 503, meaning: 'The server is starting, shutting down or overloaded' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The body of every error response. */
export interface ApiErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}
