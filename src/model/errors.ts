/**
 * The failures that cross the HTTP boundary, one type per kind. `src/api/errors.ts` maps each to its
 * status and the error envelope, in one place. `title` is a sentence a person can act on. Every code
 * is listed with its status in docs/errors.md: a new one goes there too.
 */
export abstract class WeirError extends Error {
  abstract readonly code: string;
  constructor(
    readonly title: string,
    /** The request field at fault, when there is one. */
    readonly field?: string,
  ) {
    // An expected answer, not a defect: its stack is never read, and capturing one costs more than the
    // rest of a refused request (a wrong token under a flood of them).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(title);
    Error.stackTraceLimit = limit;
  }
}

/** A request that cannot be served as sent (400). */
export class InvalidRequestError extends WeirError {
  override readonly name = 'InvalidRequestError';
  readonly code = 'invalid';
  /** More problems than the first, each naming its field. */
  constructor(
    title: string,
    field?: string,
    readonly more: ReadonlyArray<{ field: string; title: string }> = [],
  ) {
    super(title, field);
  }
}

/** An id that names nothing (404). */
export class NotFoundError extends WeirError {
  override readonly name = 'NotFoundError';
  readonly code = 'not_found';
}

/** An operation the target's state forbids, e.g. deleting the active version (403). */
export class ForbiddenError extends WeirError {
  override readonly name = 'ForbiddenError';
  readonly code = 'invalid';
}

/** The id names the wrong kind of object, e.g. a run where a workflow is expected (409). */
export class ConflictError extends WeirError {
  override readonly name = 'ConflictError';
  readonly code = 'invalid';
}

/** Trigger API credentials missing or wrong, or the workflow unknown: one uniform 401. */
export class TriggerAuthError extends WeirError {
  override readonly name = 'TriggerAuthError';
  readonly code = 'unauthorized';
  constructor() {
    super("Authentication failed: send this workflow's API-Token header or its HTTP basic credentials.");
  }
}

/** Management API bearer token missing, malformed, expired or revoked (401). */
export class BearerTokenError extends WeirError {
  override readonly name = 'BearerTokenError';
  readonly code = 'invalid_token';
  constructor(
    title: string,
    /** True when no token was sent at all (the challenge then carries no error). */
    readonly isMissing: boolean,
  ) {
    super(title);
  }
}

/** A valid token without the scope the operation needs (403). */
export class InsufficientScopeError extends WeirError {
  override readonly name = 'InsufficientScopeError';
  readonly code = 'insufficient_scope';
  constructor(readonly scope: string) {
    super(`This operation needs the scope ${scope}.`);
  }
}

/** Required inputs absent (406), echoing the parameters received, as the reference does. */
export class MissingInputsError extends WeirError {
  override readonly name = 'MissingInputsError';
  readonly code = 'invalid';
  constructor(
    readonly titles: readonly string[],
    readonly parameters: Record<string, unknown>,
  ) {
    super(titles[0] ?? 'Required inputs are missing.');
  }
}

/** PATCH validation failures, in the reference's 422 shape. */
export class PatchValidationError extends WeirError {
  override readonly name = 'PatchValidationError';
  readonly code = 'invalid';
  constructor(readonly reasons: ReadonlyArray<{ fieldName: string; title: string }>) {
    super(reasons[0]?.title ?? 'The update is invalid.');
  }
}

/** OAuth token endpoint errors, in RFC 6749 §5.2 shape. */
export class OAuthError extends WeirError {
  override readonly name = 'OAuthError';
  constructor(
    readonly code: 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope',
    title: string,
  ) {
    super(title);
  }
}

/** A method the path does not have (405). */
export class MethodNotAllowedError extends WeirError {
  override readonly name = 'MethodNotAllowedError';
  readonly code = 'method_not_allowed';
  constructor(readonly allowed: readonly string[]) {
    super(`This path accepts ${allowed.join(', ')}.`);
  }
}

/** `PUT /workflows/tasks/batch_update` errors, in the reference's shape (code `Task`). */
export class TaskBatchError extends WeirError {
  override readonly name = 'TaskBatchError';
  readonly code = 'Task';
  constructor(
    readonly status: 400 | 404,
    title: string,
  ) {
    super(title);
  }
}

/** Too many requests from one caller (IP, client id or workflow) in the current minute (429). */
export class RateLimitedError extends WeirError {
  override readonly name = 'RateLimitedError';
  readonly code = 'rate_limited';
  constructor(
    /** Which limit: `ip`, `client`, `workflow`. */
    readonly scope: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`Too many requests for this ${scope}; retry after ${retryAfterSeconds} seconds.`);
  }
}

/**
 * An `Idempotency-Key` used again with another request (422, after the IETF idempotency-key draft:
 * the request is well formed, but cannot be processed as a repeat of the first one).
 */
export class IdempotencyKeyReusedError extends WeirError {
  override readonly name = 'IdempotencyKeyReusedError';
  readonly code = 'idempotency_key_reused';
  constructor(key: string) {
    super(
      `Idempotency-Key ${JSON.stringify(key.slice(0, 255))} was used for a different request; send a new key for a new request.`,
      'Idempotency-Key',
    );
  }
}

/** A request with this `Idempotency-Key` is still being processed, on this node or another (409). */
export class IdempotencyKeyInProgressError extends WeirError {
  override readonly name = 'IdempotencyKeyInProgressError';
  readonly code = 'idempotency_key_in_progress';
  constructor(key: string) {
    super(
      `A request with Idempotency-Key ${JSON.stringify(key.slice(0, 255))} is still being processed; retry in a second.`,
      'Idempotency-Key',
    );
  }
}

/**
 * A search of the run history that did not finish in its time (503 with `Retry-After`): it read too
 * much of a long history, or waited behind searches that did. Narrower filters read less.
 */
export class SearchTimeoutError extends WeirError {
  override readonly name = 'SearchTimeoutError';
  readonly code = 'search_timeout';
  readonly retryAfterSeconds = 5;
  constructor(reason: 'deadline' | 'waiting', deadlineMs = 0) {
    super(
      reason === 'deadline'
        ? `Searching the run history took longer than ${deadlineMs / 1000} s. Narrow the search (a workflow, a status, a date range) or retry in 5 s.`
        : 'Too many searches of the run history are waiting; retry in 5 s.',
    );
  }
}
