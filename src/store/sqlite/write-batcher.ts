import type Database from 'better-sqlite3';
import type { StoreObserver } from '../store-observer.js';
import type { BatchState } from './batch-state.js';

interface PendingWrite {
  /** Synchronous, or a promise that awaits only this store's synchronous primitives (no I/O). */
  op: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** At most this many writes share one commit, so one batch never holds the event loop for long. */
const MAX_BATCH = 512;
/** Waits between attempts at the write lock another process holds: 5 ms doubling to 200 ms. */
const FIRST_LOCK_RETRY_MS = 5;
const MAX_LOCK_RETRY_MS = 200;

/**
 * Group commit. Writes queued within one turn of the event loop share one transaction and one fsync
 * (WAL + synchronous=FULL costs ~100 µs per commit here, and several times that on real disks).
 * Each write runs inside its own savepoint, so a write that throws is rolled back alone and only its
 * caller sees the error. A write's promise resolves only after its commit is durable.
 * A write may be async (the engine's queue transactions await store primitives): the batch awaits it
 * before the next one. Such a write must await nothing but this store's primitives, which settle at
 * once; one that waited on I/O would hold the transaction open, so no other batch starts meanwhile.
 *
 * When another process holds the write lock (`weir clients`, an operator's shell), the batch does not
 * wait in SQLite's busy handler, which sleeps on the event loop: the connection's busy timeout is a few
 * milliseconds, and the batch tries again on a timer, the event loop free meanwhile, for up to
 * `lockWaitMs`; then its writes fail with SQLITE_BUSY (503 to a request). Writes queued meanwhile
 * join the next batch.
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
  private readonly lockWaitMs: number;

  /** Since when the writer waits for a lock another process holds (epoch ms), or null. */
  private lockWaitSince: number | null = null;

  constructor(
    private readonly db: Database.Database,
    /** Called when a whole batch failed to commit, so in-memory state tied to it can be reset. */
    private readonly onBatchFailure: () => void,
    private readonly options: {
      /** Told the size and time of every committed batch. */
      observer?: Pick<StoreObserver, 'commitBatch'>;
      /** How long a batch waits for a write lock held by another process (`WEIR_SQLITE_BUSY_SECONDS`); default 5 s. */
      lockWaitMs?: number;
      /** What the writes of a batch gather, stored once before its COMMIT (`batch-state.ts`). */
      states?: readonly BatchState[];
    } = {},
  ) {
    this.lockWaitMs = options.lockWaitMs ?? 5_000;
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.savepoint = db.prepare('SAVEPOINT write');
    this.release = db.prepare('RELEASE write');
    this.rollbackTo = db.prepare('ROLLBACK TO write');
  }

  /** How long the writer has been waiting for another process's write lock, in ms (0: it is not). */
  lockWaitingMs(now = Date.now()): number {
    return this.lockWaitSince === null ? 0 : now - this.lockWaitSince;
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
      await this.beginWhenUnlocked();
      const states = this.options.states ?? [];
      for (const write of batch) {
        this.savepoint.run();
        for (const state of states) state.beginWrite();
        try {
          let value = write.op();
          if (value instanceof Promise) value = await value;
          this.release.run();
          for (const state of states) state.endWrite(true);
          outcomes.push({ isOk: true, value });
        } catch (error) {
          for (const state of states) state.endWrite(false);
          // A full disk or an I/O error makes SQLite roll the whole transaction back: every write of
          // the batch fails with that error (not with the "no such savepoint" a rollback would raise).
          if (!this.db.inTransaction) throw error;
          this.rollbackTo.run();
          this.release.run();
          outcomes.push({ isOk: false, value: error });
        }
      }
      for (const state of states) state.beforeCommit();
      this.commit.run();
      this.options.observer?.commitBatch(batch.length, performance.now() - started);
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const state of this.options.states ?? []) state.afterFailure();
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

  /** BEGIN IMMEDIATE, retried on a timer while another process holds the write lock (see the class). */
  private async beginWhenUnlocked(): Promise<void> {
    const started = Date.now();
    for (let delay = FIRST_LOCK_RETRY_MS; ; delay = Math.min(MAX_LOCK_RETRY_MS, delay * 2)) {
      try {
        this.begin.run();
        this.lockWaitSince = null;
        return;
      } catch (error) {
        const isBusy = String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY');
        const waited = Date.now() - started;
        if (!isBusy || waited >= this.lockWaitMs) {
          this.lockWaitSince = null;
          throw error;
        }
        this.lockWaitSince ??= started;
        await new Promise((resolve) => setTimeout(resolve, Math.min(delay, this.lockWaitMs - waited)));
      }
    }
  }
}
