import { IdempotencyKeyInProgressError, IdempotencyKeyReusedError, InvalidRequestError } from '../model/errors.js';
import { requestDigest } from '../model/request-digest.js';
import type { ImportKeyStore } from '../store/store-import-keys.js';

export interface ImportIdempotencyOptions {
  keys: ImportKeyStore;
  now: () => number;
  /** How long a key is remembered after its import (default 24 hours, as the reference's idempotency window). */
  ttlMs?: number;
  /** How long a claim holds a key while its import runs; a holder that died frees it after (default 60 s). */
  pendingMs?: number;
}

/** The reference's bound on `Idempotency-Key`. */
export const IDEMPOTENCY_KEY_MAX = 255;

/**
 * `Idempotency-Key` on the two imports (`POST /workflows/import`, `POST /workflows/{id}/versions/import`),
 * across nodes: the keys are in the store. A key seen before, for the same caller, operation and request
 * (the digest of its query and body), answers what the first request answered and imports nothing
 * again. The same key with another request is a 422. A key whose first request is still importing on
 * another node is a 409 (retry in a second); on this node, the repeat shares the first one's answer.
 * Only successful imports are remembered, so a request that failed can be retried with its key.
 *
 * Left open: a node that dies between the import's commit and the key's record leaves the key pending;
 * after `pendingMs` a retry with it imports again (the import and the key are two commits).
 */
export class ImportIdempotency {
  private readonly inFlight = new Map<string, { digest: string; answer: Promise<unknown> }>();
  private readonly ttlMs: number;
  private readonly pendingMs: number;

  constructor(private readonly options: ImportIdempotencyOptions) {
    this.ttlMs = options.ttlMs ?? 24 * 60 * 60 * 1000;
    this.pendingMs = options.pendingMs ?? 60_000;
  }

  /**
   * Runs `work` once per `(scope, key)`; `key` undefined runs it every time. `request` is what makes two
   * requests the same (query and body); `work`'s answer must be JSON. Throws `InvalidRequestError` for a
   * key over 255 characters, `IdempotencyKeyReusedError` when the key was used for another request,
   * `IdempotencyKeyInProgressError` while another node imports with it.
   */
  async once<T>(scope: string, key: string | undefined, request: unknown, work: () => Promise<T>): Promise<T> {
    if (key === undefined) return work();
    if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX) {
      throw new InvalidRequestError(
        `Idempotency-Key must be 1 to ${IDEMPOTENCY_KEY_MAX} characters.`,
        'Idempotency-Key',
      );
    }
    const digest = requestDigest(request);
    const id = `${scope}\u0000${key}`;
    const local = this.inFlight.get(id);
    if (local) {
      if (local.digest !== digest) throw new IdempotencyKeyReusedError(key);
      return local.answer as Promise<T>;
    }
    // Stored percent-encoded: scopes join their parts with NUL, which PostgreSQL text cannot hold.
    const answer = this.claimAndRun(encodeURIComponent(scope), key, digest, work);
    this.inFlight.set(id, { digest, answer });
    const forget = (): void => {
      if (this.inFlight.get(id)?.answer === answer) this.inFlight.delete(id);
    };
    answer.then(forget, forget);
    return answer;
  }

  private async claimAndRun<T>(scope: string, key: string, digest: string, work: () => Promise<T>): Promise<T> {
    const { keys, now } = this.options;
    const claim = await keys.claim({ scope, key, digest, now: now(), pendingUntil: now() + this.pendingMs });
    if (claim.outcome !== 'claimed' && claim.digest !== digest) throw new IdempotencyKeyReusedError(key);
    if (claim.outcome === 'done') return JSON.parse(claim.answer) as T;
    if (claim.outcome === 'pending') throw new IdempotencyKeyInProgressError(key);
    let value: T;
    try {
      value = await work();
    } catch (error) {
      await keys.release({ scope, key }).catch(() => undefined);
      throw error;
    }
    // The import is committed whatever happens to its record: a failure here leaves the key pending,
    // so a retry gets 409 until `pendingMs`, then imports again (see the class).
    await keys
      .complete({ scope, key, answer: JSON.stringify(value), expiresAt: now() + this.ttlMs })
      .catch(() => undefined);
    return value;
  }
}
