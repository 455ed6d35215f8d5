import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, preHandlerAsyncHookHandler } from 'fastify';
import { InvalidRequestError, MethodNotAllowedError, NotFoundError } from '../model/errors.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type Method = (typeof METHODS)[number];

export interface RouteHandler {
  /** Authentication: runs before schema validation (Fastify's `preValidation` hook). */
  preHandler?: preHandlerAsyncHookHandler;
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  /**
   * The operation's schemas (TypeBox): they validate the request (ajv, 400 naming the field) and
   * describe the operation in `/openapi.json`.
   */
  schema?: FastifySchema;
  /**
   * True: the request schemas only describe the operation; the handler validates (PATCH keeps the
   * reference's 422 shape that way).
   */
  isSchemaDescriptive?: boolean;
}

/** Marks the routes that only answer 405, so the API description can leave them out. */
export const METHOD_NOT_ALLOWED_CONFIG = { isMethodNotAllowed: true } as const;

/** A validator that accepts everything: for routes whose handler validates in the reference's terms. */
const acceptAll = () => () => true;

/**
 * Registers a path's handlers, and a 405 naming the allowed methods for every other method, so a
 * wrong method is told apart from a wrong path (404).
 */
export function route(app: FastifyInstance, url: string, handlers: Partial<Record<Method, RouteHandler>>): void {
  const allowed = METHODS.filter((method) => handlers[method]);
  for (const method of METHODS) {
    const handler = handlers[method];
    if (handler) {
      app.route({
        method,
        url,
        // Authentication runs before schema validation: a caller without credentials gets 401, not 400.
        ...(handler.preHandler ? { preValidation: handler.preHandler } : {}),
        ...(handler.schema ? { schema: handler.schema } : {}),
        ...(handler.isSchemaDescriptive ? { validatorCompiler: acceptAll } : {}),
        handler: handler.handler,
      });
    } else {
      app.route({
        method,
        url,
        schema: { hide: true },
        config: METHOD_NOT_ALLOWED_CONFIG,
        handler: async () => {
          throw new MethodNotAllowedError(allowed);
        },
      });
    }
  }
}

const ID = /^[1-9]\d{0,14}$/;

/** A path id: a positive integer; anything else names nothing (404). */
export function parseId(raw: unknown, what: string): number {
  if (typeof raw !== 'string' || !ID.test(raw)) throw new NotFoundError(`${what} ${String(raw)} does not exist.`);
  return Number(raw);
}

/** A query value read as a boolean filter; absent is undefined. */
export function queryBoolean(query: Record<string, unknown>, name: string): boolean | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidRequestError(`${name} must be true or false.`, name);
}

/** A query value read as a string; absent is undefined. */
export function queryString(query: Record<string, unknown>, name: string, maxLength = 255): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > maxLength) {
    throw new InvalidRequestError(`${name} must be a single value of at most ${maxLength} characters.`, name);
  }
  return value;
}

/** `page` (from 1) and `page_length` (1 to `max`, default 20). */
export function queryPage(query: Record<string, unknown>, max: number): { page: number; pageLength: number } {
  const read = (name: string, fallback: number, upper: number): number => {
    const value = query[name];
    if (value === undefined) return fallback;
    const number = typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : NaN;
    if (!Number.isInteger(number) || number < 1 || number > upper) {
      throw new InvalidRequestError(`${name} must be a whole number from 1 to ${upper}.`, name);
    }
    return number;
  };
  return { page: read('page', 1, 1_000_000), pageLength: read('page_length', 20, max) };
}

/** The base URL clients reach this server at: `WEIR_PUBLIC_URL`, else the request's own. */
export function baseUrlOf(request: FastifyRequest, publicUrl: string | null): string {
  return publicUrl?.replace(/\/+$/, '') ?? `${request.protocol}://${request.host}`;
}

/** The `next_page` link of a page, or null on the last page. */
export function nextPage(
  request: FastifyRequest,
  publicUrl: string | null,
  page: { page: number; pageLength: number },
  hasMore: boolean,
): string | null {
  if (!hasMore) return null;
  const url = new URL(request.url, baseUrlOf(request, publicUrl));
  url.searchParams.set('page', String(page.page + 1));
  url.searchParams.set('page_length', String(page.pageLength));
  return `${baseUrlOf(request, publicUrl)}${url.pathname}${url.search}`;
}

/** The `Idempotency-Key` header, when sent once (a repeated header is a 400 naming it). */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string') throw new InvalidRequestError('Send Idempotency-Key once.', 'Idempotency-Key');
  return key;
}
