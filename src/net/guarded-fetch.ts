import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import type { Dispatcher } from 'undici';
import { EgressRefusedError } from '../tasks/task-type.js';
import type { EgressPolicy } from './egress-policy.js';

/** What `createGuardedFetch` takes. */
export interface GuardedFetchOptions {
  policy: EgressPolicy;
  /** Redirects followed per request (`WEIR_CALLOUT_MAX_REDIRECTS`); one more fails the request. */
  maxRedirects: number;
  /** The fetch underneath (global fetch by default; tests may wrap it). */
  baseFetch?: typeof fetch;
}

/**
 * Request headers kept when a redirect leaves the origin. Every other header is dropped there:
 * `Authorization`, cookies and the custom headers a callout sets (`X-Api-Key`, ...) may be
 * credentials meant for the first origin only, and Weir cannot tell which are.
 */
const CROSS_ORIGIN_HEADERS = new Set([
  'accept',
  'accept-language',
  'content-language',
  'content-type',
  'idempotency-key',
  'user-agent',
]);

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * A `fetch` that applies the egress policy: each hop's address is checked when its socket
 * connects (so a DNS answer that changes between checks cannot slip through), IP literals are
 * checked before that, redirects are followed here (at most `maxRedirects`, each hop checked),
 * and crossing to another origin drops every header but a few harmless ones.
 *
 * A refused destination rejects with `EgressRefusedError` (directly, or as the `cause` of
 * fetch's `TypeError` when refused at connect time).
 */
export function createGuardedFetch(options: GuardedFetchOptions): typeof fetch {
  const { policy, maxRedirects } = options;
  const baseFetch = options.baseFetch ?? fetch;
  // Made at the first callout: undici (17 MB, 60 ms to load) is not needed by a node that makes none.
  let dispatcher: Dispatcher | undefined;
  const dispatcherOf = async (): Promise<Dispatcher> => {
    if (!dispatcher) {
      const { Agent } = await import('undici');
      dispatcher ??= new Agent({ connect: { lookup: guardedLookup(policy) } });
    }
    return dispatcher;
  };

  async function guardedFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    if (input instanceof Request) throw new TypeError('the guarded fetch takes a URL, not a Request');
    let url = new URL(String(input));
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body ?? null;
    const headers = new Headers(init.headers);
    for (let redirects = 0; ; redirects += 1) {
      checkLiteral(policy, url);
      const res = await baseFetch(url, {
        ...init,
        method,
        headers,
        body,
        redirect: 'manual',
        dispatcher: await dispatcherOf(),
      } as RequestInit & { dispatcher: Dispatcher });
      const location = res.headers.get('location');
      if (!REDIRECTS.has(res.status) || location === null) return res;
      await res.body?.cancel().catch(() => undefined);
      if (redirects >= maxRedirects) {
        throw new EgressRefusedError(`more than ${maxRedirects} redirects (the last to ${safeUrl(location, url)})`);
      }
      const next = new URL(location, url);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new EgressRefusedError(`a redirect to ${next.protocol} is not followed`);
      }
      if (next.origin !== url.origin) {
        for (const name of [...headers.keys()]) if (!CROSS_ORIGIN_HEADERS.has(name)) headers.delete(name);
      }
      // As browsers do: 303 always, and 301/302 after a POST, become a GET without a body.
      if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
        if (method !== 'HEAD') method = 'GET';
        body = null;
        headers.delete('content-type');
        headers.delete('content-length');
      }
      url = next;
    }
  }
  return guardedFetch as typeof fetch;
}

/** IP literals (in any spelling the URL parser accepts, already normalised by it) connect without a lookup. */
function checkLiteral(policy: EgressPolicy, url: URL): void {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) === 0 || policy.isHostAllowed(host)) return;
  const refusal = policy.refusal(host);
  if (refusal !== null) throw new EgressRefusedError(`${refusal}; allow it with WEIR_CALLOUT_ALLOW if it is meant`);
}

/** A URL for an error message, without its credentials or query. */
function safeUrl(location: string, base: URL): string {
  try {
    const next = new URL(location, base);
    return `${next.origin}${next.pathname}`;
  } catch {
    return 'an invalid URL';
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * `net.connect`'s `lookup`: resolves the name and keeps only the addresses the policy lets
 * through; none left refuses the connection. A name on the allowlist connects to whatever it
 * resolves to.
 */
function guardedLookup(policy: EgressPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
    dnsLookup(hostname, { all: true, family }, (error, addresses) => {
      if (error) return callback(error, []);
      const isNameAllowed = policy.isHostAllowed(hostname);
      const refusals: string[] = [];
      const kept = addresses.filter((a) => {
        const refusal = isNameAllowed ? null : policy.refusal(a.address);
        if (refusal !== null) refusals.push(refusal);
        return refusal === null;
      });
      if (kept.length === 0) {
        const reason = `${hostname} resolves to ${refusals.join(', ') || 'no address'}; allow it with WEIR_CALLOUT_ALLOW if it is meant`;
        return callback(new EgressRefusedError(reason), []);
      }
      if (options.all) return callback(null, kept);
      const first = kept[0] as LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}

/**
 * Checks a host the way a connection would: an IP literal by itself, a name by every address it
 * resolves to (for the SMTP host, which nodemailer connects to itself). Rejects with
 * `EgressRefusedError`.
 */
export async function checkHost(policy: EgressPolicy, hostname: string): Promise<void> {
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  if (policy.isHostAllowed(host)) return;
  const addresses =
    isIP(host) !== 0
      ? [host]
      : await new Promise<string[]>((resolve, reject) => {
          dnsLookup(host, { all: true }, (error, found) =>
            error ? reject(error) : resolve(found.map((a) => a.address)),
          );
        });
  for (const address of addresses) {
    const refusal = policy.refusal(address);
    if (refusal !== null) {
      throw new EgressRefusedError(`${host}: ${refusal}; allow it with WEIR_CALLOUT_ALLOW if it is meant`);
    }
  }
}
