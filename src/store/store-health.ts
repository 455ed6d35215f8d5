import { classifyStorageFailure, type StorageFailure } from './storage-failures.js';

/** What `/health` says of the store. */
export type StoreState = { status: 'ok' } | { status: 'unavailable'; reason: StorageFailure['kind']; since: number };

export interface StoreHealthOptions {
  /** A cheap write-path check: takes the write lock (SQLite) or checks the database is reachable and writable. */
  probe: () => Promise<void>;
  now: () => number;
  /** A storage failure seen by any request or by the engine keeps the store unavailable this long. */
  failureWindowMs?: number;
  /** `/health` probes at most once per this long; callers in between share the last answer. */
  probeIntervalMs?: number;
}

/** A write failing for a storage reason marks the store unavailable for 5 s after the last one. */
const DEFAULT_FAILURE_WINDOW_MS = 5_000;
/** At most one probe a second, however often a load balancer polls. */
const DEFAULT_PROBE_INTERVAL_MS = 1_000;

/**
 * The store's readiness, for `/health`: unavailable while writes fail. Two sources, because neither
 * alone is enough: a probe sees a lock held by another process, a lost connection or a read-only
 * database even when nothing is being written; but only real writes see a full disk (a probe's few
 * bytes still fit in the pages SQLite has free). So every storage failure that a request or the
 * engine meets is reported here (`observe`), and keeps the store unavailable for `failureWindowMs`
 * after the last one. Owned by one process; each node reports its own view.
 */
export class StoreHealth {
  private lastFailure: { failure: StorageFailure; at: number } | null = null;
  private probing: Promise<void> | null = null;
  private probedAt = Number.NEGATIVE_INFINITY;
  private readonly failureWindowMs: number;
  private readonly probeIntervalMs: number;

  constructor(private readonly options: StoreHealthOptions) {
    this.failureWindowMs = options.failureWindowMs ?? DEFAULT_FAILURE_WINDOW_MS;
    this.probeIntervalMs = options.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS;
  }

  /** Records `error` when it is a storage failure; returns what it was (undefined for anything else). */
  observe(error: unknown): StorageFailure | undefined {
    const failure = classifyStorageFailure(error);
    if (failure) this.lastFailure = { failure, at: this.options.now() };
    return failure;
  }

  /**
   * Answers the store's state. A probe older than the interval is started again; the first check of
   * all waits for its probe, the others answer at once from what is known, so `/health` never waits
   * on the store it reports on (a probe can take up to its timeout). Never throws.
   */
  async check(): Promise<StoreState> {
    if (this.options.now() - this.probedAt >= this.probeIntervalMs) {
      const isFirst = this.probedAt === Number.NEGATIVE_INFINITY;
      this.probing ??= this.probe();
      if (isFirst) await this.probing;
    }
    const last = this.lastFailure;
    if (last && this.options.now() - last.at < this.failureWindowMs) {
      return { status: 'unavailable', reason: last.failure.kind, since: last.at };
    }
    return { status: 'ok' };
  }

  private async probe(): Promise<void> {
    try {
      await this.options.probe();
    } catch (error) {
      // Anything a probe meets means the store cannot be used, whatever the driver called it.
      if (!this.observe(error)) {
        this.lastFailure = { failure: { kind: 'io', message: String(error) }, at: this.options.now() };
      }
    } finally {
      this.probedAt = this.options.now();
      this.probing = null;
    }
  }
}
