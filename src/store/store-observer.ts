/**
 * What a store reports about its own work, for metrics (`src/observability` implements it). The
 * store calls it on its write path: an implementation records and returns, and never throws.
 */
export interface StoreObserver {
  /**
   * One group commit: `size` writes shared one transaction, which took `ms` from its start to its
   * durable commit (the writes' own work included). Not called for a batch that rolled back.
   */
  commitBatch(size: number, ms: number): void;
  /** A schema migration was applied while the store opened (`name` is its file, e.g. `005-x.sql`). */
  migrationApplied?(name: string, ms: number): void;
}
