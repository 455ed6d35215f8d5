import { readSession, signOut } from '../session';
import type { ErrorEnvelope } from './types';

/**
 * A failed API call, with the sentences the API wrote for a person (`errors[].title`, the 422 `reasons`,
 * OAuth's `error_description`).
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly titles: string[],
    readonly fields: string[],
    readonly body: unknown,
  ) {
    super(titles.length > 0 ? titles.join(' ') : `The request failed (HTTP ${status}).`);
  }

  /**
   * The endpoint itself is not there (404 for the route, 405 for the method): this Weir does not offer
   * the operation yet, as opposed to an id that does not exist.
   */
  get isMissingEndpoint(): boolean {
    return this.status === 405 || (this.status === 404 && this.titles.some((t) => t.startsWith('Nothing is at')));
  }
}

/** The person-readable sentences of an error body. */
export function errorTitles(body: unknown): { titles: string[]; fields: string[] } {
  const titles: string[] = [];
  const fields: string[] = [];
  if (typeof body !== 'object' || body === null) return { titles, fields };
  const envelope = body as ErrorEnvelope;
  for (const item of envelope.errors ?? []) {
    if (typeof item === 'string') titles.push(item);
    else if (item && typeof item.title === 'string') {
      titles.push(item.title);
      if (item.field) fields.push(item.field);
    }
  }
  for (const reason of envelope.reasons ?? []) {
    if (typeof reason.title === 'string') titles.push(reason.title);
    if (reason.fieldName) fields.push(reason.fieldName);
  }
  if (titles.length === 0 && typeof envelope.error_description === 'string') titles.push(envelope.error_description);
  else if (titles.length === 0 && typeof envelope.error === 'string') titles.push(envelope.error);
  return { titles, fields };
}

export type QueryValue = string | number | boolean | undefined | null;

export interface RequestOptions {
  method?: string;
  /** Sent as JSON. */
  body?: unknown;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** A raw answer: status, parsed JSON (or undefined) and text. */
export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export function withQuery(path: string, query: Record<string, QueryValue> | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path;
}

async function send(path: string, options: RequestOptions, headers: Record<string, string>): Promise<RawAnswer> {
  const init: RequestInit = {
    method: options.method ?? 'GET',
    headers: { Accept: 'application/json', ...headers },
    // Credentials travel in headers only. Without browser credentials, a 401 with a Basic challenge (the
    // trigger API's, OAuth's) is an answer to show, not a reason for the browser to open its login prompt.
    credentials: 'omit',
  };
  if (options.signal) init.signal = options.signal;
  if (options.body !== undefined) {
    init.body = JSON.stringify(options.body);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), init);
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, ['Weir cannot be reached. Check that it is running, then try again.'], [], undefined);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/**
 * A management API call with the session's bearer token. Resolves with the JSON body of a 2xx answer;
 * rejects with an `ApiError` otherwise. A 401 ends the session (the token expired or was revoked).
 */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const session = readSession();
  if (!session) {
    signOut('Your session has expired. Sign in again.');
    throw new ApiError(401, ['Your session has expired. Sign in again.'], [], undefined);
  }
  const answer = await send(path, options, { Authorization: `Bearer ${session.accessToken}`, ...options.headers });
  if (answer.status >= 200 && answer.status < 300) return answer.json as T;
  const { titles, fields } = errorTitles(answer.json);
  if (answer.status === 401) signOut('Your session has expired or was revoked. Sign in again.');
  throw new ApiError(answer.status, titles, fields, answer.json);
}

/** A call whose every answer is data (the trigger API's responsive answers carry their outcome in the status). */
export function rawRequest(path: string, options: RequestOptions = {}): Promise<RawAnswer> {
  return send(path, options, options.headers ?? {});
}

/** The message to show for any failure. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
