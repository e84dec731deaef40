import { ERROR_CODES, type ErrorCode } from '@slipway/model';

/**
 * The error vocabulary. Services throw these; one handler (http/error-handler.ts) maps them to
 * the documented response shape. Anything else that escapes a route is a fault in Slipway: it is
 * logged with the request id and answered 500 without internals.
 */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = new.target.name;
    this.status = ERROR_CODES[code].status;
  }
}

/** Input that is well-formed JSON but not acceptable; the message names the field and why. */
export class InputError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('INVALID_INPUT', message, details);
  }
}

export class NotFoundError extends AppError {
  constructor(objectType: string, id: string | number) {
    super('NOT_FOUND', `No ${objectType} with id ${id}`, { objectType, id });
  }
}

export class ConflictError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('CONFLICT', message, details);
  }
}

export class StaleVersionError extends AppError {
  constructor(objectType: string, id: string | number, expected: number, actual: number) {
    super('PRECONDITION_FAILED', `${objectType} ${id} is at version ${actual}, not ${expected}: reload and retry`, {
      expectedVersion: expected,
      currentVersion: actual,
    });
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'Authentication required: send Authorization: Bearer <token>') {
    super('UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('FORBIDDEN', message, details);
  }
}

/** Segregation of duties: this person may not do this to this object (e.g. approve their own). */
export class SodViolation extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('SOD_VIOLATION', message, details);
  }
}

/** A domain rule forbids the operation; the message names the rule. */
export class DomainRuleError extends AppError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('DOMAIN_RULE', message, details);
  }
}

export class IllegalTransitionError extends AppError {
  constructor(objectType: string, from: string, to: string, allowed: readonly string[]) {
    super(
      'ILLEGAL_TRANSITION',
      `A ${objectType} cannot go from ${from} to ${to}; allowed from ${from}: ${allowed.join(', ') || 'none'}`,
      { from, to, allowed: [...allowed] },
    );
  }
}
