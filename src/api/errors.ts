import type { FastifyError } from 'fastify';
import {
  BearerTokenError,
  ConflictError,
  ForbiddenError,
  IdempotencyKeyInProgressError,
  IdempotencyKeyReusedError,
  InsufficientScopeError,
  InvalidRequestError,
  MethodNotAllowedError,
  MissingInputsError,
  NotFoundError,
  OAuthError,
  PatchValidationError,
  RateLimitedError,
  SearchTimeoutError,
  TaskBatchError,
  TriggerAuthError,
  WeirError,
} from '../model/errors.js';
import { classifyStorageFailure, RETRY_AFTER_SECONDS, type StorageFailure } from '../store/storage-failures.js';

/** An HTTP error answer: status, extra headers, body. */
export interface HttpErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** One item of the error envelope `{"errors": [...]}`. */
export interface ErrorItem {
  status: number;
  code: string;
  title: string;
  field?: string;
}

export function envelope(items: ErrorItem[]): { errors: ErrorItem[] } {
  return { errors: items };
}

function item(status: number, code: string, title: string, field?: string): ErrorItem {
  return field === undefined ? { status, code, title } : { status, code, title, field };
}

/** Fastify's own errors (body parsing, limits, schema checks), in the envelope. */
const FASTIFY_ERRORS: Readonly<Record<string, { status: number; code: string; title: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'too_large', title: 'The request body is larger than 5 MiB.' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: 'unsupported_media_type',
    title: 'Send the body as application/json or application/x-www-form-urlencoded.',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid', title: 'The body is not valid JSON.' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid', title: 'The body is empty but declared as JSON.' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: 'invalid',
    title: 'The Content-Length header does not match the body.',
  },
  FST_ERR_CTP_INVALID_TYPE: { status: 400, code: 'invalid', title: 'The Content-Type header is invalid.' },
  // Raised before routing, answered through `frameworkErrors`.
  FST_ERR_BAD_URL: {
    status: 400,
    code: 'invalid',
    title: 'The URL is malformed (a percent sign not followed by two hex digits, or bytes that are not UTF-8).',
  },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'uri_too_long', title: 'A path segment of the URL is too long.' },
  // @fastify/compress, decompressing a request body (Content-Encoding).
  FST_CP_ERR_INVALID_CONTENT_ENCODING: {
    status: 415,
    code: 'unsupported_media_type',
    title: 'Send the body uncompressed, or with Content-Encoding gzip or deflate.',
  },
  FST_CP_ERR_INVALID_CONTENT: {
    status: 400,
    code: 'invalid',
    title: 'The body could not be decompressed with its Content-Encoding.',
  },
};

/**
 * The one place where failures become HTTP answers. Anything unknown is a 500 whose body says only
 * that it is Weir's fault (the details go to the log, never to the client).
 */
export function toHttpError(error: unknown): HttpErrorAnswer {
  if (error instanceof WeirError) return weirError(error);
  const fastifyError = error as Partial<FastifyError> & {
    validation?: Array<{ instancePath?: string; message?: string; params?: Record<string, unknown> }>;
    validationContext?: string;
  };
  if (fastifyError.validation && fastifyError.validation.length > 0) {
    const items = fastifyError.validation.map((v) => {
      // A list endpoint's query schema admits only its own parameters: an unknown one (a typo, a filter
      // Weir lacks) is named instead of silently widening the answer.
      const unknown = v.params?.additionalProperty;
      if (typeof unknown === 'string' && fastifyError.validationContext === 'querystring') {
        return item(400, 'invalid', `${unknown} is not a query parameter of this operation.`, unknown);
      }
      const missing = typeof v.params?.missingProperty === 'string' ? `/${v.params.missingProperty}` : '';
      const field = `${v.instancePath ?? ''}${missing}`.replace(/^\//, '').replace(/\//g, '.') || 'body';
      const title = missing ? `${field} is required.` : `${field} ${v.message ?? 'is invalid'}.`;
      return item(400, 'invalid', title, field);
    });
    return { status: 400, headers: {}, body: envelope(items) };
  }
  const known = fastifyError.code ? FASTIFY_ERRORS[fastifyError.code] : undefined;
  if (known)
    return { status: known.status, headers: {}, body: envelope([item(known.status, known.code, known.title)]) };
  if (error instanceof SyntaxError || fastifyError.statusCode === 400) {
    return { status: 400, headers: {}, body: envelope([item(400, 'invalid', 'The request is malformed.')]) };
  }
  const storage = classifyStorageFailure(error);
  if (storage) return storageFailureAnswer(storage);
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, headers: {}, body: envelope([item(status, 'invalid', 'The request cannot be served.')]) };
  }
  return {
    status: 500,
    headers: {},
    body: envelope([item(500, 'internal_error', 'Weir failed to serve this request; the failure is logged.')]),
  };
}

/** Why the store cannot serve, in words for the client (the driver's message goes to the log only). */
const STORAGE_TITLES: Readonly<Record<StorageFailure['kind'], string>> = {
  full: 'The store is full: Weir cannot record anything now.',
  busy: 'The store is busy (a lock is held elsewhere).',
  read_only: 'The store accepts no writes now.',
  unreachable: 'The store cannot be reached.',
  io: 'The store failed to read or write.',
};

/**
 * Storage trouble (a full disk, a lock held by another process, a lost database connection) is not
 * the request's fault nor a bug: 503 with `Retry-After`, so clients and load balancers try again.
 */
export function storageFailureAnswer(failure: StorageFailure): HttpErrorAnswer {
  const retryAfter = RETRY_AFTER_SECONDS[failure.kind];
  return {
    status: 503,
    headers: { 'retry-after': String(retryAfter) },
    body: envelope([item(503, 'store_unavailable', `${STORAGE_TITLES[failure.kind]} Retry in ${retryAfter} s.`)]),
  };
}

function weirError(error: WeirError): HttpErrorAnswer {
  if (error instanceof OAuthError) {
    const status = error.code === 'invalid_client' ? 401 : 400;
    const headers: Record<string, string> =
      error.code === 'invalid_client' ? { 'www-authenticate': 'Basic realm="weir"' } : {};
    return { status, headers, body: { error: error.code, error_description: error.title } };
  }
  if (error instanceof TriggerAuthError) {
    return {
      status: 401,
      headers: { 'www-authenticate': 'Basic realm="weir"' },
      body: envelope([item(401, error.code, error.title)]),
    };
  }
  if (error instanceof BearerTokenError) {
    const challenge = error.isMissing ? 'Bearer realm="weir"' : 'Bearer realm="weir", error="invalid_token"';
    return {
      status: 401,
      headers: { 'www-authenticate': challenge },
      body: envelope([item(401, error.code, error.title)]),
    };
  }
  if (error instanceof InsufficientScopeError) {
    return {
      status: 403,
      headers: { 'www-authenticate': `Bearer realm="weir", error="insufficient_scope", scope="${error.scope}"` },
      body: envelope([item(403, error.code, error.title)]),
    };
  }
  if (error instanceof IdempotencyKeyReusedError) {
    return { status: 422, headers: {}, body: envelope([item(422, error.code, error.title, error.field)]) };
  }
  if (error instanceof IdempotencyKeyInProgressError) {
    return {
      status: 409,
      headers: { 'retry-after': '1' },
      body: envelope([item(409, error.code, error.title, error.field)]),
    };
  }
  if (error instanceof SearchTimeoutError) {
    return {
      status: 503,
      headers: { 'retry-after': String(error.retryAfterSeconds) },
      body: envelope([item(503, error.code, error.title)]),
    };
  }
  if (error instanceof RateLimitedError) {
    return {
      status: 429,
      headers: { 'retry-after': String(error.retryAfterSeconds) },
      body: envelope([item(429, error.code, error.title)]),
    };
  }
  if (error instanceof MissingInputsError) {
    return {
      status: 406,
      headers: {},
      body: { errors: error.titles.map((title) => item(406, error.code, title)), parameters: error.parameters },
    };
  }
  if (error instanceof TaskBatchError) {
    return { status: error.status, headers: {}, body: envelope([item(error.status, error.code, error.title)]) };
  }
  if (error instanceof MethodNotAllowedError) {
    return {
      status: 405,
      headers: { allow: error.allowed.join(', ') },
      body: envelope([item(405, error.code, error.title)]),
    };
  }
  if (error instanceof PatchValidationError) {
    return { status: 422, headers: {}, body: { success: false, reasons: error.reasons } };
  }
  if (error instanceof InvalidRequestError) {
    const items = [
      item(400, error.code, error.title, error.field),
      ...error.more.map((m) => item(400, error.code, m.title, m.field)),
    ];
    return { status: 400, headers: {}, body: envelope(items) };
  }
  const status =
    error instanceof NotFoundError
      ? 404
      : error instanceof ForbiddenError
        ? 403
        : error instanceof ConflictError
          ? 409
          : 400;
  return { status, headers: {}, body: envelope([item(status, error.code, error.title, error.field)]) };
}
