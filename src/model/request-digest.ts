import { createHash } from 'node:crypto';

/**
 * The digest stored with an `Idempotency-Key`: SHA-256 of the request's content as canonical JSON
 * (object keys sorted at every level), so the same content in another key order, or sent as a form
 * instead of JSON with the same strings, is the same request; any other value is another one.
 */
export function requestDigest(content: unknown): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
