import { expect } from 'vitest';
import type { HttpResponse } from './http.js';

export interface EnvelopeExpectations {
  /** The exact `title` of the first error. */
  title?: string | RegExp;
  /** The `field` of the first error. */
  field?: string;
  /** Inner `status` of each item; default the HTTP status. */
  innerStatus?: number | readonly number[];
}

/**
 * The response has exactly `status` and the error envelope
 * `{"errors": [{"status", "code", "title", "field"?}]}`, and no stack trace.
 */
export function expectErrorEnvelope(
  response: HttpResponse,
  status: number,
  expectations: EnvelopeExpectations = {},
): void {
  expect(response.status, `${response.status} ${response.text}`).toBe(status);
  expect(String(response.headers['content-type'] ?? '')).toMatch(/^application\/json/);
  const body = response.body;
  expect(body, response.text).toBeTypeOf('object');
  expect(Array.isArray(body.errors), response.text).toBe(true);
  expect(body.errors.length, response.text).toBeGreaterThan(0);
  const innerStatuses = expectations.innerStatus ?? status;
  for (const item of body.errors) {
    if (typeof innerStatuses === 'number') expect(item.status, response.text).toBe(innerStatuses);
    else expect(innerStatuses, response.text).toContain(item.status);
    expect(item.code, response.text).toBeTypeOf('string');
    expect(item.code.length, response.text).toBeGreaterThan(0);
    expect(item.title, response.text).toBeTypeOf('string');
    expect(item.title.trim().length, response.text).toBeGreaterThan(0);
    if (item.field !== undefined) expect(item.field, response.text).toBeTypeOf('string');
  }
  const first = body.errors[0];
  if (expectations.title instanceof RegExp) expect(first.title).toMatch(expectations.title);
  else if (expectations.title !== undefined) expect(first.title).toBe(expectations.title);
  if (expectations.field !== undefined) expect(first.field).toBe(expectations.field);
  expectNoStackTrace(response);
}

/** No stack frame (`    at fn (file:line)`) and no absolute source path leaks into a body. */
export function expectNoStackTrace(response: HttpResponse): void {
  expect(response.text).not.toMatch(/\n\s+at\s/);
  expect(response.text).not.toMatch(/\bat .+\.(ts|js):\d+:\d+/);
}

/** The OAuth error body of RFC 6749 §5.2: `{"error": code}` plus, at most, `error_description`/`error_uri`. */
export function expectOAuthError(response: HttpResponse, status: number, error: string): void {
  expect(response.status, response.text).toBe(status);
  expect(response.body, response.text).toMatchObject({ error });
  for (const key of Object.keys(response.body)) expect(['error', 'error_description', 'error_uri']).toContain(key);
  expectNoStackTrace(response);
}
