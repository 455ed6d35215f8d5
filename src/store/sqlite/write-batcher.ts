import type Database from 'better-sqlite3';
import type { StoreObserver } from '../store-observer.js';

interface PendingWrite {
  /** Synchronous, or a promise that awaits only this store's synchronous primitives (no I/O). */
  op: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** At most this many writes share one commit, so one batch never holds the event loop for long. */
const MAX_BATCH = 512;

/**
 * Group commit. Writes queued within one turn of the event loop share one transaction and one fsync
 * (WAL + synchronous=FULL costs ~100 µs per commit here, and several times that on real disks).
 * Each write runs inside its own savepoint, so a write that throws is rolled back alone and only its
 * caller sees the error. A write's promise resolves only after its commit is durable.
 * A write may be async (the engine's queue transactions await store primitives): the batch awaits it
 * before the next one. Such a write must await nothing but this store's primitives, which settle at
 * once; one that waited on I/O would hold the transaction open, so no other batch starts meanwhile.
 */
export class WriteBatcher {
  private queue: PendingWrite[] = [];
  private isScheduled = false;
  private isFlushing = false;
  // Prepared once: exec() would parse these four statements again for every write of every batch.
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly savepoint: Database.Statement;
  private readonly release: Database.Statement;
  private readonly rollbackTo: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    /** Called when a whole batch failed to commit, so in-memory state tied to it can be reset. */
    private readonly onBatchFailure: () => void,
    /** Told the size and time of every committed batch. */
    private readonly observer?: Pick<StoreObserver, 'commitBatch'>,
  ) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.savepoint = db.prepare('SAVEPOINT write');
    this.release = db.prepare('RELEASE write');
    this.rollbackTo = db.prepare('ROLLBACK TO write');
  }

  run<T>(op: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.isScheduled || this.isFlushing) return;
    this.isScheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.isScheduled = false;
    this.isFlushing = true;
    const batch = this.queue.splice(0, MAX_BATCH);
    try {
      await this.commitBatch(batch);
    } finally {
      this.isFlushing = false;
      if (this.queue.length > 0) this.schedule();
    }
  }

  private async commitBatch(batch: PendingWrite[]): Promise<void> {
    const outcomes: Array<{ isOk: boolean; value: unknown }> = [];
    const started = performance.now();
    try {
      this.begin.run();
      for (const write of batch) {
        this.savepoint.run();
        try {
          let value = write.op();
          if (value instanceof Promise) value = await value;
          this.release.run();
          outcomes.push({ isOk: true, value });
        } catch (error) {
          this.rollbackTo.run();
          this.release.run();
          outcomes.push({ isOk: false, value: error });
        }
      }
      this.commit.run();
      this.observer?.commitBatch(batch.length, performance.now() - started);
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.onBatchFailure();
      for (const write of batch) write.reject(error);
      return;
    }
    batch.forEach((write, i) => {
      const outcome = outcomes[i];
      if (outcome?.isOk) write.resolve(outcome.value);
      else write.reject(outcome?.value);
    });
  }
}
