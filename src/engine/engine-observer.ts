import type { RunState, TaskInstanceRecord } from '../model/records.js';
import type { TaskCompletion } from './progression.js';

/**
 * What the engine tells whoever watches it (metrics, run logs, traces: `src/observability`). The
 * engine calls these on its hot path, so an implementation records and returns: no I/O it waits for,
 * no throwing. The engine knows nothing of Prometheus, pino or OpenTelemetry.
 */

/** How a run came to be: `sync` (responsive, executed here at once), `standard` (queued), `scheduled`, `sub_run` (Execute::WorkflowTask). */
export type RunOrigin = 'standard' | 'sync' | 'scheduled' | 'sub_run';

/**
 * A trace context the tracing observer made (a trigger request's span, a task instance's span). The
 * engine only carries it from where a run is asked for to `runStarted`; it never looks inside.
 */
export interface TraceParent {
  readonly isTraceParent: true;
}

/** The tracing side of one attempt of a task instance; only present while tracing is on. */
export interface TaskAttemptTrace {
  /** Runs this attempt starts (a sub-run) are children of it. */
  readonly parent: TraceParent;
  /** The HTTP client the attempt's task uses: it sends the attempt's `traceparent` to the target. */
  wrapFetch(fetch: typeof globalThis.fetch): typeof globalThis.fetch;
}

/**
 * One attempt of a task instance as the executor saw it. The executor keeps this object for the
 * attempt anyway, so handing it over allocates nothing.
 */
export interface ObservedAttempt {
  readonly instance: TaskInstanceRecord;
  /** The run, once read (undefined when it could not be). */
  run: RunState | undefined;
  /** Seconds the task type's `execute` took; null when it never ran (a stopped run, a missing version). */
  executionSeconds: number | null;
  /** The outcome as written; undefined when none was (abandoned, not ours any more, the store failing). */
  recorded: TaskCompletion | undefined;
  /** Set by `taskStarted` while tracing is on. */
  trace: TaskAttemptTrace | undefined;
}

export interface EngineObserver {
  /** A run was created (committed, or for a responsive run, about to commit with its first task). */
  runStarted(run: RunState, origin: RunOrigin, parent: TraceParent | undefined): void;
  /** A run became final (`Finished` or `Stopped`) in this process. A rerun run may finish again later. */
  runFinished(run: RunState): void;
  /** An attempt is about to execute; returns its trace while tracing is on. */
  taskStarted(attempt: ObservedAttempt): TaskAttemptTrace | undefined;
  /** An attempt ended (its outcome written or not); called once per `taskStarted`. */
  taskEnded(attempt: ObservedAttempt): void;
  /** One claim of due task instances took `ms` and got `count` of them. */
  claimed(count: number, ms: number): void;
}

/** Watches nothing: the default when no observer is given (unit tests, tools). */
export const NO_OBSERVER: EngineObserver = {
  runStarted: () => undefined,
  runFinished: () => undefined,
  taskStarted: () => undefined,
  taskEnded: () => undefined,
  claimed: () => undefined,
};
