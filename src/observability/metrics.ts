import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The counters the engine reports (issue 12). Nothing calls them yet: the engine's claim loop and
 * executor will, once they are restructured; the types are fixed here so that work only adds calls.
 */
export interface EngineMetrics {
  /** A run was created (`standard`, `sync`, or `scheduled`). */
  runStarted(mode: string): void;
  /** A run reached a final status with this result (`Success`, `Error`, or `Stopped`). */
  runFinished(result: string): void;
  /** A task instance attempt ended, after `seconds` of execution. */
  taskInstanceFinished(actionType: string, seconds: number): void;
  /** A claim of due task instances took `ms` (whatever it found). */
  claimed(ms: number): void;
  /** A group commit wrote `size` queued writes in `ms`. */
  commitBatch(size: number, ms: number): void;
}

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
  /** Reads the queue at scrape time (one query per scrape, never on the hot path). */
  queueSnapshot: (now: number) => Promise<QueueSnapshot>;
  /** Responsive (`/sync`) runs this process is executing and answering now. */
  syncInFlight: () => number;
  now: () => number;
}

/** Latency buckets in seconds, from 1 ms to 10 s (a trigger commits in ~1 ms; a responsive run may take seconds). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Task instances run from microseconds (Liquid) to minutes (a slow callout). */
const TASK_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];
const BATCH_SIZE_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500];

/**
 * Weir's Prometheus metrics, on a registry of their own (no global state: each Weir in a process,
 * e.g. each test's, has its own). Served as text by `GET /metrics`; see docs/operations.md for the list.
 * Recording costs a few hundred nanoseconds; the queue gauges are computed only when scraped.
 */
export class WeirMetrics implements EngineMetrics {
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
    new Gauge({
      name: 'weir_sync_waiters_in_flight',
      help: 'Responsive (/sync) runs this process is executing and answering now.',
      registers,
      collect() {
        this.set(options.syncInFlight());
      },
    });
  }

  /** A trigger request was answered with `code` after `seconds`. */
  triggerAnswered(mode: 'standard' | 'sync', code: number, seconds: number): void {
    this.triggers.inc({ mode, code: String(code) });
    this.triggerSeconds.observe({ mode }, seconds);
  }

  runStarted(mode: string): void {
    this.runsStarted.inc({ mode });
  }

  runFinished(result: string): void {
    this.runsFinished.inc({ result });
  }

  taskInstanceFinished(actionType: string, seconds: number): void {
    this.taskSeconds.observe({ action_type: actionType }, seconds);
  }

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
    const snapshot = await this.options.queueSnapshot(now);
    this.queueDepth.set({ state: 'queued' }, snapshot.queued);
    this.queueDepth.set({ state: 'due' }, snapshot.dueWaiting);
    this.oldestDueAge.set(snapshot.oldestDueAt === null ? 0 : Math.max(0, now - snapshot.oldestDueAt) / 1000);
    const text = await this.registry.metrics();
    return { contentType: this.registry.contentType, text };
  }
}
