import { SerialTicker } from './serial-ticker.js';
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
  iterationItems: number;
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
  private readonly ticker: SerialTicker<RetentionSweep>;

  constructor(private readonly options: RetentionOptions) {
    this.ticker = new SerialTicker({
      run: (now) => this.sweep(now),
      now: options.now,
      hasTimers: options.hasTimers,
      minSleepMs: MIN_SLEEP_MS,
      maxSleepMs: MAX_SLEEP_MS,
    });
  }

  start(): void {
    this.ticker.start();
  }

  stop(): void {
    this.ticker.stop();
  }

  /** A TTL may have changed: sweep now, then sleep again. */
  refresh(): void {
    this.ticker.refresh();
  }

  /** Deletes everything expired at `now` (default the clock), batch by batch. */
  tick(now: number = this.options.now()): Promise<RetentionSweep> {
    return this.ticker.tick(now);
  }

  private async sweep(now: number): Promise<RetentionSweep> {
    const { store } = this.options;
    const total: RetentionSweep = { runs: 0, taskInstances: 0, iterationItems: 0, scheduleFires: 0, batches: 0 };
    try {
      for (;;) {
        const batch = await store.queue.deleteExpiredRuns({ now, maxRows: this.options.batchRows ?? 500 });
        total.batches += 1;
        total.runs += batch.runs;
        total.taskInstances += batch.taskInstances;
        total.iterationItems += batch.iterationItems;
        total.scheduleFires += batch.scheduleFires;
        if (!batch.hasMore || this.ticker.isStopped) break;
        // Let triggers and task completions in between batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const nextExpiry = await store.queue.nextRunExpiry();
      this.plan(nextExpiry === null ? MAX_SLEEP_MS : nextExpiry - this.options.now());
      return total;
    } catch (error) {
      this.options.logError('retention failed; retrying later', error);
      this.plan(MIN_SLEEP_MS);
      throw error;
    }
  }

  private plan(delayMs: number): void {
    this.ticker.plan(delayMs);
  }
}
