import { jsonOrText, readLimited } from './callout-support.js';
import { EgressRefusedError, isEgressRefusal } from './task-type.js';

/**
 * OAuth 2 client-credentials tokens for the Callout task (RFC 6749 §4.4), cached per
 * (token_url, client_id, scope) until shortly before they expire, and fetched once for concurrent
 * callers. The cache is per process: tokens are never stored.
 */

/** What the Callout's authorization asks for. */
export interface TokenRequest {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Space-separated scopes; '' sends none. */
  scope: string;
  /** `body` (default): `client_id`/`client_secret` in the form; `basic`: an HTTP Basic header (RFC 6749 §2.3.1). */
  clientAuthentication: 'body' | 'basic';
}

export type TokenResult = { ok: true; token: string } | { ok: false; reason: string; retryable: boolean };

/** What fetching a token may use. */
export interface TokenIo {
  fetch: typeof fetch;
  /** Epoch ms (the task context's clock). */
  now: () => number;
  timeoutMs: number;
}

/** Lifetime assumed when the server names none; a 401 refetches earlier anyway. */
const DEFAULT_LIFETIME_S = 300;
/** Renew this much before expiry (at most), so a token never expires in flight. */
const RENEW_EARLY_S = 30;
/** Tokens are small; the bound only stops a workflow with ever-changing client ids from growing it. */
const MAX_ENTRIES = 1_000;
/** A token answer larger than this is not one. */
const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

const cache = new Map<string, { token: string; expiresAt: number }>();
const inflight = new Map<string, Promise<TokenResult>>();

function keyOf(request: TokenRequest): string {
  return JSON.stringify([request.tokenUrl, request.clientId, request.scope]);
}

/**
 * A token for `request`: the cached one unless it expired or is `rejected` (a token the target
 * answered 401 to), else a fresh one from the token endpoint.
 */
export async function clientCredentialsToken(
  request: TokenRequest,
  io: TokenIo,
  rejected: string | null = null,
): Promise<TokenResult> {
  const key = keyOf(request);
  const cached = cache.get(key);
  if (cached && (cached.token === rejected || cached.expiresAt <= io.now())) cache.delete(key);
  else if (cached) return { ok: true, token: cached.token };

  let pending = inflight.get(key);
  if (!pending) {
    pending = fetchToken(request, io).finally(() => inflight.delete(key));
    inflight.set(key, pending);
  }
  return pending;
}

/** Empties the cache (tests). */
export function clearTokenCache(): void {
  cache.clear();
}

async function fetchToken(request: TokenRequest, io: TokenIo): Promise<TokenResult> {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (request.scope !== '') form.set('scope', request.scope);
  const headers = new Headers({
    'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8',
    Accept: 'application/json',
  });
  if (request.clientAuthentication === 'basic') {
    // RFC 6749 §2.3.1: both parts form-urlencoded before Basic encoding.
    const user = `${encodeURIComponent(request.clientId)}:${encodeURIComponent(request.clientSecret)}`;
    headers.set('Authorization', `Basic ${Buffer.from(user, 'utf8').toString('base64')}`);
  } else {
    form.set('client_id', request.clientId);
    form.set('client_secret', request.clientSecret);
  }

  const requestedAt = io.now();
  let status: number;
  let body: unknown;
  try {
    const res = await io.fetch(request.tokenUrl, {
      method: 'POST',
      headers,
      body: form.toString(),
      signal: AbortSignal.timeout(io.timeoutMs),
    });
    status = res.status;
    const read = await readLimited(res, MAX_TOKEN_RESPONSE_BYTES);
    body = read.tooLarge ? null : jsonOrText(read.text);
  } catch (err) {
    if (isEgressRefusal(err)) {
      const refusal = err.cause instanceof EgressRefusedError ? err.cause : err;
      return {
        ok: false,
        reason: `the OAuth token request to ${request.tokenUrl} was refused by the egress policy: ${refusal.message}`,
        retryable: false,
      };
    }
    const reason = err instanceof Error && err.name === 'TimeoutError' ? 'no answer in time' : networkText(err);
    return { ok: false, reason: `the OAuth token request to ${request.tokenUrl} failed: ${reason}`, retryable: true };
  }

  const answer =
    typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  if (status < 200 || status > 299) {
    // Only the OAuth error code is repeated: descriptions may echo what was sent.
    const code = typeof answer['error'] === 'string' ? ` (${answer['error'].slice(0, 100)})` : '';
    return {
      ok: false,
      reason: `the OAuth token endpoint ${request.tokenUrl} answered ${status}${code}`,
      retryable: status === 429 || status >= 500,
    };
  }
  const token = answer['access_token'];
  if (typeof token !== 'string' || token === '') {
    return {
      ok: false,
      reason: `the OAuth token endpoint ${request.tokenUrl} answered without an access_token`,
      retryable: false,
    };
  }
  const lifetime = Number(answer['expires_in'] ?? DEFAULT_LIFETIME_S);
  if (Number.isFinite(lifetime) && lifetime > 0) {
    const early = Math.min(RENEW_EARLY_S, lifetime / 10);
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value ?? '');
    cache.set(keyOf(request), { token, expiresAt: requestedAt + (lifetime - early) * 1000 });
  }
  return { ok: true, token };
}

function networkText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? err.cause.message : err.message;
}
