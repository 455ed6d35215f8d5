import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RateLimitedError } from '../model/errors.js';

/** Every limit counts requests in fixed windows of one minute (the settings are "per minute"). */
const WINDOW_MS = 60_000;
/** Keys (IPs, client ids, workflow ids) remembered per limit; the least recently seen go first. */
const KEYS_PER_LIMIT = 10_000;

/** One limit: at most `perMinute` requests per key; a request without a key is not counted. */
export interface RateLimitRule {
  /** What the key is, for the answer: `ip`, `client`, `workflow`. */
  scope: string;
  /** 0 turns the limit off. */
  perMinute: number;
  key: (request: FastifyRequest) => string | undefined;
}

/** Registers the rate-limit plugin with no limit of its own: routes opt in with `rateLimitHook`. */
export async function registerRateLimiting(app: FastifyInstance): Promise<void> {
  await app.register(rateLimit, { global: false, cache: KEYS_PER_LIMIT });
}

/**
 * A route hook enforcing several limits at once (undefined when every limit is off) (say per IP and per client). Counters live in this
 * process (@fastify/rate-limit's in-memory LRU): with several Weir nodes each counts its own, so a
 * client may get up to nodes × the limit (docs/security.md). A request over any limit gets 429 with
 * `Retry-After` and the error envelope; every answer carries `RateLimit-Limit`, `RateLimit-Remaining`
 * and `RateLimit-Reset` (draft-ietf-httpapi-ratelimit-headers) for the limit closest to running out.
 */
export function rateLimitHook(
  app: FastifyInstance,
  rules: readonly RateLimitRule[],
): ((request: FastifyRequest, reply: FastifyReply) => Promise<void>) | undefined {
  const limiters = rules
    .filter((rule) => rule.perMinute > 0)
    .map((rule) => ({
      rule,
      check: app.createRateLimit({
        max: rule.perMinute,
        timeWindow: WINDOW_MS,
        keyGenerator: (request: FastifyRequest) => `${rule.scope}:${rule.key(request) ?? ''}`,
      }),
    }));
  // Every limit off: no hook at all, so the route pays nothing.
  if (limiters.length === 0) return undefined;
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    let tightest: { max: number; remaining: number; resetSeconds: number } | undefined;
    let exceeded: { scope: string; retryAfterSeconds: number } | undefined;
    for (const { rule, check } of limiters) {
      if (rule.key(request) === undefined) continue;
      const state = await check(request);
      if (state.isAllowed) continue;
      const resetSeconds = Math.max(1, state.ttlInSeconds);
      if (!tightest || state.remaining < tightest.remaining) {
        tightest = { max: state.max, remaining: state.remaining, resetSeconds };
      }
      if (state.isExceeded && (!exceeded || resetSeconds > exceeded.retryAfterSeconds)) {
        exceeded = { scope: rule.scope, retryAfterSeconds: resetSeconds };
      }
    }
    if (tightest) {
      reply.headers({
        'ratelimit-limit': String(tightest.max),
        'ratelimit-remaining': String(tightest.remaining),
        'ratelimit-reset': String(tightest.resetSeconds),
      });
    }
    if (exceeded) throw new RateLimitedError(exceeded.scope, exceeded.retryAfterSeconds);
  };
}
