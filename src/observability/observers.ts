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

/**
 * What watches the engine: the metrics and the run log. A method is a few calls, each of which
 * records and returns.
 */
export class EngineObservers implements EngineObserver {
  private readonly runLog: RunLog;

  constructor(
    private readonly metrics: WeirMetrics,
    log: Logger,
  ) {
    this.runLog = new RunLog(log);
  }

  runStarted(run: RunRecord, origin: RunOrigin, _parent: TraceParent | undefined): void {
    this.metrics.runStarted(origin);
    this.runLog.runStarted(run, origin);
  }

  runFinished(run: RunRecord): void {
    this.metrics.runFinished(run.status === 'Stopped' ? 'Stopped' : run.result === 'Error' ? 'Error' : 'Success');
    this.runLog.runFinished(run);
  }

  taskStarted(_attempt: ObservedAttempt): TaskAttemptTrace | undefined {
    return undefined;
  }

  taskEnded(attempt: ObservedAttempt): void {
    if (attempt.executionSeconds !== null) {
      this.metrics.taskInstanceExecuted(attempt.instance.actionType, attempt.executionSeconds);
    }
    this.runLog.taskEnded(attempt);
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
