/** What a claim of an import's `Idempotency-Key` found. */
export type ImportKeyClaim =
  /** The key was free (or expired): this request holds it now, `pending`, and does the import. */
  | { outcome: 'claimed' }
  /** An import with this key finished: its digest, and its answer as JSON text. */
  | { outcome: 'done'; digest: string; answer: string }
  /** Another request holds the key and is importing now (on this node or another). */
  | { outcome: 'pending'; digest: string };

/**
 * `Idempotency-Key`s of the imports (issue 11 point 5), shared by every node. A key is claimed
 * `pending` until its import finishes (`complete`, with the answer) or fails (`release`); a claim whose
 * holder died expires at `pendingUntil` and may be claimed again.
 */
export interface ImportKeyStore {
  /** Deletes expired keys, then claims `(scope, key)` unless a live entry holds it. */
  claim(input: {
    scope: string;
    key: string;
    digest: string;
    now: number;
    pendingUntil: number;
  }): Promise<ImportKeyClaim>;
  /** Records the answer of the import that holds the key, kept until `expiresAt`. */
  complete(input: { scope: string; key: string; answer: string; expiresAt: number }): Promise<void>;
  /** Frees a key whose import failed, so the request can be retried with it. */
  release(input: { scope: string; key: string }): Promise<void>;
}
