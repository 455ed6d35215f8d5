import { isSecretHeaderName } from '../model/callout-secrets.js';
import type { JsonObject, JsonValue } from '../model/records.js';
import { TaskParameterError } from './task-type.js';

/**
 * The parts of the Callout task that do not depend on the task context: status-code rules, retry
 * backoff, bounded body reading and the `Data` record. Kept apart so callout.ts reads as the flow.
 */

/** Largest response body a callout reads; the reference's `Data` limit is 5 MB, so more can never fit. */
export const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

/** HTTP header names are RFC 9110 tokens; a bad one is a file error, caught at import. */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Parses `validation.status_codes`: exact codes (`"200"`) or classes (`"2xx"`, any case); blank
 * entries are ignored (the reference's UI leaves an empty first row). Returns normalised entries,
 * `[]` meaning "any 2xx".
 */
export function parseStatusCodes(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  const name = 'validation.status_codes';
  if (!Array.isArray(value)) throw new TaskParameterError(name, `${name} must be a list of status codes.`);
  const out: string[] = [];
  for (const entry of value) {
    if (entry === null || entry === undefined) continue;
    const text = (typeof entry === 'number' ? String(entry) : typeof entry === 'string' ? entry : '?')
      .trim()
      .toLowerCase();
    if (text === '') continue;
    if (!/^[1-5](\d\d|xx)$/.test(text)) {
      throw new TaskParameterError(
        name,
        `${name}: "${String(entry)}" is neither a status code (200) nor a class (2xx).`,
      );
    }
    out.push(text);
  }
  return out;
}

/** Whether `code` is accepted by the normalised `entries` of `parseStatusCodes`. */
export function statusAccepted(entries: readonly string[], code: number): boolean {
  if (entries.length === 0) return code >= 200 && code <= 299;
  return entries.some((e) => (e.endsWith('xx') ? Math.floor(code / 100) === Number(e[0]) : Number(e) === code));
}

/**
 * When retry number `retry` (1-based) of `retryCount` is due: exponential backoff with full
 * jitter. The caps double per retry and are scaled so that their sum equals the window, so even
 * the unluckiest draws keep every retry inside it; the result is also clamped to the window's end
 * (attempts themselves take time) and never earlier than `now`.
 */
export function retryDueAt(args: {
  now: number;
  retry: number;
  retryCount: number;
  windowMs: number;
  windowStart: number;
  random?: () => number;
}): number {
  const { now, retry, retryCount, windowMs, windowStart } = args;
  const random = args.random ?? Math.random;
  const base = windowMs / (2 ** retryCount - 1);
  const cap = base * 2 ** (retry - 1);
  const dueAt = now + Math.floor(random() * cap);
  return Math.max(now, Math.min(dueAt, windowStart + windowMs));
}

/** A body read up to a limit: its text, or `tooLarge` once the limit is passed (the rest is not read). */
export type LimitedBody = { tooLarge: false; text: string } | { tooLarge: true };

/**
 * Reads a response body, stopping at `limit` bytes so a huge or endless answer cannot exhaust
 * memory. Aborts propagate as the stream's error.
 */
export async function readLimited(res: Response, limit: number): Promise<LimitedBody> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel().catch(() => undefined);
    return { tooLarge: true };
  }
  if (res.body === null) return { tooLarge: false, text: '' };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      return { tooLarge: true };
    }
    chunks.push(value);
  }
  return { tooLarge: false, text: Buffer.concat(chunks).toString('utf8') };
}

/** JSON when `text` parses as JSON, else the text itself (the reference's `RequestBody`/`ResponseBody`). */
export function jsonOrText(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

/** Whether `text` is a JSON document (used to default `Content-Type: application/json`). */
export function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Request headers as `{name: value}`, lower-cased, credentials replaced by `[redacted]`. */
export function requestHeaderRecord(headers: Headers, secretNames: readonly string[] = []): JsonObject {
  const out: JsonObject = {};
  const extra = new Set(secretNames.map((n) => n.toLowerCase()));
  headers.forEach((value, name) => {
    // `Data` is shown, logged and answered to `/sync` callers: credentials never go into it.
    out[name] = isSecretHeaderName(name) || extra.has(name) ? '[redacted]' : value;
  });
  return out;
}

/**
 * Response headers as `{name: [values]}`, lower-cased. Fetch joins repeated headers with ", ",
 * except `set-cookie`, whose values it keeps apart (cookies may contain commas); so every other
 * header is a one-element list holding the joined value.
 */
export function responseHeaderRecord(headers: Headers): JsonObject {
  const out: JsonObject = {};
  headers.forEach((value, name) => {
    if (name !== 'set-cookie') out[name] = [value];
  });
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) out['set-cookie'] = cookies;
  return out;
}

/**
 * Writes `record` to `data[location]`: replaces when asked or when nothing is there; otherwise the
 * place becomes (or stays) a list and the record is appended, as the reference does for several
 * callouts in one branch. Lists are copied, not changed in place, because `Data` values may be
 * shared with the input.
 */
export function placeRecord(data: JsonObject, location: string, record: JsonValue, replace: boolean): void {
  const existing = data[location];
  if (replace || existing === undefined || existing === null) data[location] = record;
  else if (Array.isArray(existing)) data[location] = [...existing, record];
  else data[location] = [existing, record];
}
