import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RunOrigin } from '../engine/engine-observer.js';
import type { StoreObserver } from '../store/store-observer.js';

/** What the scrape reads from the store: task instances that could run now. */
export interface QueueSnapshot {
  /** Task instances `Queued`. */
  queued: number;
  /** Task instances `Pending` whose due time has come (a delay or retry that is due). */
  dueWaiting: number;
  /** Epoch ms since when the oldest of those has been due (null when there is none). */
  oldestDueAt: number | null;
}

export interface WeirMetricsOptions {
  /** Weir's version, for `weir_build_info`. */
  version: string;
  now: () => number;
}

/** What the scrape reads from the running parts (set by `watch` once they exist). */
export interface ScrapeSources {
  /** Reads the queue at scrape time (one query per scrape, never on the hot path). */
  queueSnapshot: (now: number) => Promise<QueueSnapshot>;
  /** Responsive (`/sync`) runs this process is executing and answering now. */
  syncInFlight: () => number;
  /** Requests waiting for a run to end (`/sync`, and repeats of an idempotent `/sync`). */
  runWaiters: () => number;
}

/** The run results counted by `weir_runs_finished_total`. */
const RESULTS = ['Success', 'Error', 'Stopped'] as const;
const ORIGINS: readonly RunOrigin[] = ['standard', 'sync', 'scheduled', 'sub_run'];
type Increment = { inc(): void };
type Observe = { observe(value: number): void };

/** Latency buckets in seconds, from 1 ms to 10 s (a trigger commits in ~1 ms; a responsive run may take seconds). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Task instances run from microseconds (Liquid) to minutes (a slow callout). */
const TASK_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];
const BATCH_SIZE_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500];

/**
 * Weir's Prometheus metrics, on a registry of their own (no global state: each Weir in a process,
 * e.g. each test's, has its own). Served as text by `GET /metrics`; see docs/operations.md for the list.
 * Recording costs a few hundred nanoseconds: each labelled series is bound once (`labels(...)`) and
 * kept, so no label object is built per event; the queue gauges are computed only when scraped.
 */
export class WeirMetrics implements StoreObserver {
  readonly registry = new Registry();
  private readonly triggers: Counter<'mode' | 'code'>;
  private readonly triggerSeconds: Histogram<'mode'>;
  private readonly runsStarted: Counter<'mode'>;
  private readonly runsFinished: Counter<'result'>;
  private readonly taskSeconds: Histogram<'action_type'>;
  private readonly claimSeconds: Histogram;
  private readonly batchSize: Histogram;
  private readonly batchSeconds: Histogram;
  private readonly queueDepth: Gauge<'state'>;
  private readonly oldestDueAge: Gauge;
  private readonly standardTriggersBy = new Map<number, Increment>();
  private readonly syncTriggersBy = new Map<number, Increment>();
  private readonly standardTriggerSeconds: Observe;
  private readonly syncTriggerSeconds: Observe;
  private readonly startedBy = new Map<string, Increment>();
  private readonly finishedBy = new Map<string, Increment>();
  private readonly taskSecondsBy = new Map<string, Observe>();
  private sources: ScrapeSources | null = null;

  constructor(private readonly options: WeirMetricsOptions) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'weir_build_info',
      help: 'Always 1; the version label says which Weir answers.',
      labelNames: ['version'],
      registers,
    }).set({ version: options.version }, 1);
    this.triggers = new Counter({
      name: 'weir_triggers_total',
      help: 'Trigger API requests (/run is mode standard, /sync mode sync) by the HTTP status answered.',
      labelNames: ['mode', 'code'],
      registers,
    });
    this.triggerSeconds = new Histogram({
      name: 'weir_trigger_duration_seconds',
      help: 'Time to answer a trigger request, by mode.',
      labelNames: ['mode'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.runsStarted = new Counter({
      name: 'weir_runs_started_total',
      help: 'Runs created, by mode.',
      labelNames: ['mode'],
      registers,
    });
    this.runsFinished = new Counter({
      name: 'weir_runs_finished_total',
      help: 'Runs that reached a final status, by result.',
      labelNames: ['result'],
      registers,
    });
    this.taskSeconds = new Histogram({
      name: 'weir_task_instance_duration_seconds',
      help: 'Execution time of task instance attempts, by action type.',
      labelNames: ['action_type'],
      buckets: TASK_BUCKETS,
      registers,
    });
    this.claimSeconds = new Histogram({
      name: 'weir_claim_duration_seconds',
      help: 'Time one claim of due task instances took.',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.batchSize = new Histogram({
      name: 'weir_commit_batch_size',
      help: 'Writes per group commit.',
      buckets: BATCH_SIZE_BUCKETS,
      registers,
    });
    this.batchSeconds = new Histogram({
      name: 'weir_commit_batch_duration_seconds',
      help: 'Time one group commit took.',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.queueDepth = new Gauge({
      name: 'weir_queue_depth',
      help: 'Task instances that could run now: state queued (Queued) or due (Pending past its due time).',
      labelNames: ['state'],
      registers,
    });
    this.oldestDueAge = new Gauge({
      name: 'weir_queue_oldest_due_age_seconds',
      help: 'How long the oldest task instance that could run has been waiting; 0 when none waits.',
      registers,
    });
    const sources = (): ScrapeSources | null => this.sources;
    new Gauge({
      name: 'weir_sync_waiters_in_flight',
      help: 'Responsive (/sync) runs this process is executing and answering now.',
      registers,
      collect() {
        this.set(sources()?.syncInFlight() ?? 0);
      },
    });
    new Gauge({
      name: 'weir_run_waiters',
      help: 'Requests in this process waiting for a run to end (/sync, and repeats of an idempotent /sync).',
      registers,
      collect() {
        this.set(sources()?.runWaiters() ?? 0);
      },
    });
    this.standardTriggerSeconds = this.triggerSeconds.labels('standard');
    this.syncTriggerSeconds = this.triggerSeconds.labels('sync');
    // Every series of a closed label set exists from the start (at 0), so rates work from the first scrape.
    for (const origin of ORIGINS) {
      this.runsStarted.inc({ mode: origin }, 0);
      this.startedBy.set(origin, this.runsStarted.labels(origin));
    }
    for (const result of RESULTS) {
      this.runsFinished.inc({ result }, 0);
      this.finishedBy.set(result, this.runsFinished.labels(result));
    }
  }

  /** Tells the scrape where to read the queue and the waiters (the store and engine exist after the metrics). */
  watch(sources: ScrapeSources): void {
    this.sources = sources;
  }

  /** A trigger request was answered with `code` after `seconds`. */
  triggerAnswered(mode: 'standard' | 'sync', code: number, seconds: number): void {
    const byCode = mode === 'sync' ? this.syncTriggersBy : this.standardTriggersBy;
    let series = byCode.get(code);
    if (series === undefined) {
      // Status codes are a small set (HTTP's): bound once each.
      series = this.triggers.labels(mode, String(code));
      byCode.set(code, series);
    }
    series.inc();
    (mode === 'sync' ? this.syncTriggerSeconds : this.standardTriggerSeconds).observe(seconds);
  }

  /** A run was created, by how it started (`mode` label). */
  runStarted(origin: RunOrigin): void {
    this.startedBy.get(origin)?.inc();
  }

  /** A run became final: `Success` or `Error` (its result), or `Stopped`. */
  runFinished(result: 'Success' | 'Error' | 'Stopped'): void {
    this.finishedBy.get(result)?.inc();
  }

  /** A task instance attempt's task executed for `seconds`. */
  taskInstanceExecuted(actionType: string, seconds: number): void {
    let series = this.taskSecondsBy.get(actionType);
    if (series === undefined) {
      // Action types are a closed set (import refuses unknown ones): the map stays small.
      series = this.taskSeconds.labels(actionType);
      this.taskSecondsBy.set(actionType, series);
    }
    series.observe(seconds);
  }

  /** One claim of due task instances took `ms`. */
  claimed(ms: number): void {
    this.claimSeconds.observe(ms / 1000);
  }

  commitBatch(size: number, ms: number): void {
    this.batchSize.observe(size);
    this.batchSeconds.observe(ms / 1000);
  }

  /** The Prometheus text exposition of every metric. */
  async exposition(): Promise<{ contentType: string; text: string }> {
    // The queue gauges come from one store read per scrape, taken before the registry is rendered.
    const now = this.options.now();
    const snapshot = (await this.sources?.queueSnapshot(now)) ?? { queued: 0, dueWaiting: 0, oldestDueAt: null };
    this.queueDepth.set({ state: 'queued' }, snapshot.queued);
    this.queueDepth.set({ state: 'due' }, snapshot.dueWaiting);
    this.oldestDueAge.set(snapshot.oldestDueAt === null ? 0 : Math.max(0, now - snapshot.oldestDueAt) / 1000);
    const text = await this.registry.metrics();
    return { contentType: this.registry.contentType, text };
  }
}
