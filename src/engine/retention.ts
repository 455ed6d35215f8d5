import type { Store } from '../store/store.js';

export interface RetentionOptions {
  store: Store;
  now: () => number;
  /** Rows deleted per transaction; default 500. */
  batchRows?: number;
  /** False: no timers; the sweeper acts only when `tick` is called (tests). */
  hasTimers: boolean;
  logError: (message: string, error: unknown) => void;
}

/** What one sweep deleted. */
export interface RetentionSweep {
  runs: number;
  taskInstances: number;
  scheduleFires: number;
  batches: number;
}

/** The sweeper wakes at the next expiry, but at least this long after a sweep and at most this long. */
const MIN_SLEEP_MS = 60 * 1000;
const MAX_SLEEP_MS = 60 * 60 * 1000;

/**
 * Retention (`delete_ttl` days): removes finished runs and their task instances in the background,
 * in small transactions (500 rows by default), yielding to the event loop between them so triggers
 * and the claim loop are never held up. Runs with live task instances are never deleted. It sleeps
 * until the next run expires (at least a minute, at most an hour: a TTL changed elsewhere is seen then).
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | null = null;
  private isStopped = false;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: RetentionOptions) {}

  start(): void {
    this.isStopped = false;
    this.refresh();
  }

  stop(): void {
    this.isStopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** A TTL may have changed: sweep now, then sleep again. */
  refresh(): void {
    if (this.isStopped || !this.options.hasTimers) return;
    void this.tick().catch(() => undefined);
  }

  /** Deletes everything expired at `now` (default the clock), batch by batch. */
  tick(now: number = this.options.now()): Promise<RetentionSweep> {
    const next = this.chain.then(() => this.sweep(now));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async sweep(now: number): Promise<RetentionSweep> {
    const { store } = this.options;
    const total: RetentionSweep = { runs: 0, taskInstances: 0, scheduleFires: 0, batches: 0 };
    try {
      for (;;) {
        const batch = await store.deleteExpiredRuns({ now, maxRows: this.options.batchRows ?? 500 });
        total.batches += 1;
        total.runs += batch.runs;
        total.taskInstances += batch.taskInstances;
        total.scheduleFires += batch.scheduleFires;
        if (!batch.hasMore || this.isStopped) break;
        // Let triggers and task completions in between batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const nextExpiry = await store.nextRunExpiry();
      this.plan(nextExpiry === null ? MAX_SLEEP_MS : nextExpiry - this.options.now());
      return total;
    } catch (error) {
      this.options.logError('retention failed; retrying later', error);
      this.plan(MIN_SLEEP_MS);
      throw error;
    }
  }

  private plan(delayMs: number): void {
    if (this.isStopped || !this.options.hasTimers) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = null;
        void this.tick().catch(() => undefined);
      },
      Math.min(MAX_SLEEP_MS, Math.max(MIN_SLEEP_MS, delayMs)),
    );
    this.timer.unref();
  }
}
