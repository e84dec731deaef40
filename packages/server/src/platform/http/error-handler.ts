import type { ErrorCode } from '@slipway/model';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isUniqueViolation } from '../database.js';
import { AppError, ConflictError } from '../errors.js';
import { SECURITY_HEADERS } from './security-headers.js';

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
  keyword?: string;
}

function describeValidation(
  context: string | undefined,
  issues: ValidationIssue[],
): { message: string; errors: unknown[] } {
  const errors = issues.map((issue) => {
    let path = `${context ?? 'request'}${issue.instancePath ?? ''}`;
    let message = issue.message ?? 'is invalid';
    if (issue.keyword === 'additionalProperties' && issue.params?.additionalProperty) {
      path = `${path}/${String(issue.params.additionalProperty)}`;
      message = 'is not a known field';
    } else if (issue.keyword === 'required' && issue.params?.missingProperty) {
      path = `${path}/${String(issue.params.missingProperty)}`;
      message = 'is required';
    } else if (issue.keyword === 'enum' && Array.isArray(issue.params?.allowedValues)) {
      message = `must be one of: ${(issue.params.allowedValues as unknown[]).join(', ')}`;
    }
    return { path, message };
  });
  const first = errors[0];
  return { message: first ? `${first.path} ${first.message}` : 'The request is invalid', errors };
}

/** Maps Fastify's own errors (body parsing, limits, media types) to our codes. */
function fromFastifyError(error: FastifyError): AppError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('INVALID_JSON', `The body is not valid JSON: ${error.message}`);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', 'The body is larger than this server accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json');
    default:
      break;
  }
  const status = error.statusCode ?? 500;
  if (status === 413) return new AppError('PAYLOAD_TOO_LARGE', 'The body is larger than this server accepts');
  if (status === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE', error.message);
  if (status === 429) return new AppError('RATE_LIMITED', error.message);
  if (status === 503) return new AppError('UNAVAILABLE', error.message);
  if (status >= 400 && status < 500) {
    // JSON.parse errors thrown by secure-json-parse (prototype poisoning) and similar.
    const code: ErrorCode =
      error instanceof SyntaxError || /JSON/i.test(error.message) ? 'INVALID_JSON' : 'INVALID_INPUT';
    return new AppError(code, error.message);
  }
  return undefined;
}

/** A clash on a table's generated `id`: the server's fault (a sequence behind its table), never a race of names. */
function isGeneratedIdViolation(error: unknown): boolean {
  const { detail, message } = error as { detail?: unknown; message?: unknown };
  // PostgreSQL: 'Key (id)=(42) already exists.'; SQLite: 'UNIQUE constraint failed: cis.id'.
  return /^Key \(id\)=/.test(String(detail)) || /UNIQUE constraint failed: \w+\.id$/.test(String(message));
}

/**
 * What the database refused because of the client's request: a write while another row still
 * refers to the object (a CI named by a change or a release, say), a second row under a name a
 * unique index keeps single, or a number beyond an integer column. Services and schemas check what
 * they know of; this is the net for the rest, so a client gets 409 or 400 rather than 500. SQLite
 * and PostgreSQL spell these differently.
 */
function fromDatabaseRefusal(error: unknown): AppError | undefined {
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503') {
    return new ConflictError('Other records still refer to this object, so it cannot be removed or changed this way', {
      rule: 'referenced_elsewhere',
    });
  }
  // A unique index on a name refused a row that a service's "does it exist?" check let through:
  // two requests created the same thing at once (the service answers a late duplicate itself).
  // A clash on a generated id is never the client's doing: that stays a 500 with the error logged.
  if (isUniqueViolation(error) && !isGeneratedIdViolation(error)) {
    return new ConflictError(
      'Something with the same name was created at the same moment: read it back (if you sent an Idempotency-Key, a retry with it replays this answer)',
      { rule: 'already_exists' },
    );
  }
  // PostgreSQL's integer columns end at 2^31-1; a number a schema let through beyond that is the
  // client's (SQLite stores 64-bit integers and never says this).
  if (code === '22003') return new AppError('INVALID_INPUT', 'A number is out of the range this server stores');
  return undefined;
}

/**
 * Errors Fastify raises before a route is found (a path with invalid percent-encoding, a path
 * parameter over the router's length limit): answered in the documented error shape with the
 * security headers, which the request hooks never got to set.
 */
export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  reply.headers(SECURITY_HEADERS);
  const message =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'A path parameter is longer than this server accepts'
      : 'The URL is not valid (malformed percent-encoding)';
  sendError(reply, new AppError('INVALID_INPUT', message));
}

export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  if (error.headers) reply.headers(error.headers);
  return reply.code(error.status).send({
    error: { code: error.code, message: error.message, ...(error.details && { details: error.details }) },
  });
}

/**
 * One place where every error becomes the documented shape. Client errors are answered with a
 * clear message; anything else is a fault in Slipway, logged in full and answered 500 with only
 * the request id.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof AppError) return sendError(reply, error);
    if (error.validation) {
      const { message, errors } = describeValidation(error.validationContext, error.validation as ValidationIssue[]);
      return sendError(reply, new AppError('VALIDATION_FAILED', message, { errors }));
    }
    const mapped = fromFastifyError(error) ?? fromDatabaseRefusal(error);
    if (mapped?.details?.rule === 'already_exists') {
      // Expected in a race, but a service that never checks would show up here: keep a trace.
      request.log.warn({ constraint: (error as { constraint?: unknown }).constraint }, 'unique index answered 409');
    }
    if (mapped) return sendError(reply, mapped);
    request.log.error({ err: error }, 'unhandled error');
    return sendError(
      reply,
      new AppError('INTERNAL', `Slipway hit an internal fault; quote request id ${request.id} to the operator`),
    );
  });

  app.setNotFoundHandler((request, reply) => {
    sendError(reply, new AppError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`));
  });
}
