import { createHash } from 'node:crypto';
import { ConflictError, InvalidRequestError } from '../model/errors.js';

export interface ImportIdempotencyOptions {
  /** How long a key is remembered (default 24 hours, as the reference's idempotency window). */
  ttlMs?: number;
  /** At most this many keys are remembered; the oldest go first (default 10,000). */
  maxKeys?: number;
  now: () => number;
}

interface Remembered {
  fingerprint: string;
  expiresAt: number;
  answer: Promise<unknown>;
}

/** The reference's bound on `Idempotency-Key`. */
export const IDEMPOTENCY_KEY_MAX = 255;

/**
 * `Idempotency-Key` on the two imports (`POST /workflows/import`, `POST /workflows/{id}/versions/import`):
 * a key seen before, for the same caller, operation and request, answers what the first request
 * answered and imports nothing again; concurrent requests with one key share the first one's answer.
 * The same key with a different request is a 409. Only successful imports are remembered, so a request
 * that failed can be retried with its key.
 *
 * Owner: the API of one process. The memory is bounded (`maxKeys`, `ttlMs`) and not shared: SQLite
 * Weir is one process, and a restart forgets the keys (an import retried across a restart imports again).
 */
export class ImportIdempotency {
  private readonly entries = new Map<string, Remembered>();
  private readonly ttlMs: number;
  private readonly maxKeys: number;

  constructor(private readonly options: ImportIdempotencyOptions) {
    this.ttlMs = options.ttlMs ?? 24 * 60 * 60 * 1000;
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  /**
   * Runs `work` once per `(scope, key)`; `key` undefined runs it every time. `request` is what makes two
   * requests the same (query and body). Throws `InvalidRequestError` for a key over 255 characters and
   * `ConflictError` when the key was used for another request.
   */
  async once<T>(scope: string, key: string | undefined, request: unknown, work: () => Promise<T>): Promise<T> {
    if (key === undefined) return work();
    if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX) {
      throw new InvalidRequestError(
        `Idempotency-Key must be 1 to ${IDEMPOTENCY_KEY_MAX} characters.`,
        'Idempotency-Key',
      );
    }
    const now = this.options.now();
    const id = `${scope}\u0000${key}`;
    const fingerprint = createHash('sha256')
      .update(JSON.stringify(request ?? null))
      .digest('hex');
    const seen = this.entries.get(id);
    if (seen && seen.expiresAt > now) {
      if (seen.fingerprint !== fingerprint) {
        throw new ConflictError(`Idempotency-Key ${key} was used for a different request.`);
      }
      return seen.answer as Promise<T>;
    }
    const answer = work();
    this.entries.delete(id);
    this.entries.set(id, { fingerprint, expiresAt: now + this.ttlMs, answer });
    this.evict(now);
    answer.catch(() => {
      if (this.entries.get(id)?.answer === answer) this.entries.delete(id);
    });
    return answer;
  }

  private evict(now: number): void {
    for (const [id, entry] of this.entries) {
      if (this.entries.size <= this.maxKeys && entry.expiresAt > now) break;
      this.entries.delete(id);
    }
  }
}
