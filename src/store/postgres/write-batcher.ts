import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { StoreObserver } from '../store-observer.js';

/** One queued transaction: its work inside a batch, and how to run it alone if the batch fails. */
interface PendingWrite {
  work: (client: pg.PoolClient) => Promise<unknown>;
  alone: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface PgWriteBatcherOptions {
  /** Batches in flight at once, each on a pooled connection of its own. */
  maxConcurrentBatches: number;
  /** Writes in one batch at most; default 64. */
  maxBatchSize?: number;
  /** Told of every committed batch: how many writes it held and how long it took (ms). */
  observer?: StoreObserver;
}

const DEFAULT_MAX_BATCH = 64;

/**
 * Group commit on PostgreSQL. The queue's transactions of one event-loop turn (and those that queue
 * while every batch slot is busy) run one after another inside one database transaction, so a node
 * pays one BEGIN/COMMIT round trip pair and one WAL flush for the batch instead of one per run.
 * A batch's run creations go last: the workflow row they lock for its run counter is then held only
 * from the run's INSERT to the COMMIT, not across the other writes of the batch.
 *
 * When a write fails inside a batch (its own error, or a deadlock caused by the company it kept), the
 * batch is rolled back and each of its writes runs again alone (`alone`, with the store's own retry
 * rules), so each caller sees only its own outcome. A COMMIT that fails is never re-run: it may have
 * been applied (a lost connection), and running the writes again could apply them twice; the callers
 * get the error, as they would for a transaction of their own.
 *
 * Writes must therefore be re-runnable: they act only through the transaction's client (PostgreSQL
 * rolls it all back), as the deadlock retry already requires.
 */
export class PgWriteBatcher {
  private readonly transactions: PendingWrite[] = [];
  /** Run creations: taken after the transactions of the same batch. */
  private readonly creations: PendingWrite[] = [];
  private activeBatches = 0;
  private isScheduled = false;
  private readonly maxBatchSize: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: PgWriteBatcherOptions,
  ) {
    this.maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH;
  }

  /**
   * Queues a write; resolves with its value once its batch has committed. `alone` runs it in a
   * transaction of its own (used when its batch fails). `isRunCreation` puts it at the end of its batch.
   */
  run<T>(
    work: (client: pg.PoolClient) => Promise<T>,
    alone: () => Promise<T>,
    options: { isRunCreation?: boolean } = {},
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: PendingWrite = { work, alone, resolve: resolve as (value: unknown) => void, reject };
      (options.isRunCreation ? this.creations : this.transactions).push(pending);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.isScheduled || this.activeBatches >= this.options.maxConcurrentBatches) return;
    this.isScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.isScheduled = false;
    while (this.activeBatches < this.options.maxConcurrentBatches) {
      const batch = this.take();
      if (batch.length === 0) return;
      this.activeBatches += 1;
      void this.commit(batch).finally(() => {
        this.activeBatches -= 1;
        if (this.transactions.length + this.creations.length > 0) this.schedule();
      });
    }
  }

  private take(): PendingWrite[] {
    const batch = this.transactions.splice(0, this.maxBatchSize);
    return batch.concat(this.creations.splice(0, this.maxBatchSize - batch.length));
  }

  private async commit(batch: PendingWrite[]): Promise<void> {
    const started = performance.now();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      for (const write of batch) write.reject(error);
      return;
    }
    const values: unknown[] = [];
    let isRolledBack = false;
    try {
      await client.query('BEGIN');
      for (const write of batch) values.push(await write.work(client));
    } catch {
      isRolledBack = true;
    }
    if (isRolledBack) {
      // A broken connection is destroyed rather than returned to the pool.
      const rollbackError = await client.query('ROLLBACK').then(
        () => undefined,
        (error: unknown) => error,
      );
      client.release(rollbackError instanceof Error ? rollbackError : undefined);
      await Promise.all(batch.map((write) => write.alone().then(write.resolve, write.reject)));
      return;
    }
    try {
      await client.query('COMMIT');
    } catch (error) {
      client.release(error instanceof Error ? error : new Error(String(error)));
      for (const write of batch) write.reject(error);
      return;
    }
    client.release();
    this.options.observer?.commitBatch(batch.length, performance.now() - started);
    batch.forEach((write, i) => write.resolve(values[i]));
  }
}
