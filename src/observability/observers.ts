import type { Logger } from 'pino';
import type {
  EngineObserver,
  ObservedAttempt,
  RunOrigin,
  TaskAttemptTrace,
  TraceParent,
} from '../engine/engine-observer.js';
import type { RunRecord } from '../model/records.js';
import type { StoreObserver } from '../store/store-observer.js';
import type { WeirMetrics } from './metrics.js';
import { RunLog } from './run-log.js';
import type { WeirTracing } from './tracing.js';

/**
 * What watches the engine: metrics and the run log always, traces when on. A method is a few
 * calls, each of which records and returns; with tracing off no span or context is made.
 */
export class EngineObservers implements EngineObserver {
  private readonly runLog: RunLog;
  private tracing: WeirTracing | null = null;

  constructor(
    private readonly metrics: WeirMetrics,
    log: Logger,
  ) {
    this.runLog = new RunLog(log);
  }

  /** Turns traces on; called once, before the engine starts (the tracer names the engine's node). */
  attachTracing(tracing: WeirTracing): void {
    this.tracing = tracing;
  }

  runStarted(run: RunRecord, origin: RunOrigin, parent: TraceParent | undefined): void {
    this.metrics.runStarted(origin);
    this.runLog.runStarted(run, origin);
    this.tracing?.runStarted(run, origin, parent);
  }

  runFinished(run: RunRecord): void {
    this.metrics.runFinished(run.status === 'Stopped' ? 'Stopped' : run.result === 'Error' ? 'Error' : 'Success');
    this.runLog.runFinished(run);
    this.tracing?.runFinished(run);
  }

  taskStarted(attempt: ObservedAttempt): TaskAttemptTrace | undefined {
    return this.tracing?.taskStarted(attempt);
  }

  taskEnded(attempt: ObservedAttempt): void {
    if (attempt.executionSeconds !== null) {
      this.metrics.taskInstanceExecuted(attempt.instance.actionType, attempt.executionSeconds);
    }
    this.runLog.taskEnded(attempt);
    this.tracing?.taskEnded(attempt);
  }

  claimed(_count: number, ms: number): void {
    this.metrics.claimed(ms);
  }
}

/** What watches the store: group commits into the metrics, migrations into the log. */
export function observeStore(metrics: WeirMetrics, log: Logger): StoreObserver {
  return {
    commitBatch: (size, ms) => metrics.commitBatch(size, ms),
    migrationApplied: (name, ms) => log.info({ migration: name, ms: Math.round(ms) }, 'applied a schema migration'),
  };
}
