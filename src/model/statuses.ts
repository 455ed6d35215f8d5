/** Run statuses, as the reference names them (plus `Pending`, which the reference shows in practice). */
export const RunStatus = {
  Queued: 'Queued',
  Processing: 'Processing',
  Pending: 'Pending',
  Finished: 'Finished',
  Stopping: 'Stopping',
  Stopped: 'Stopped',
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];

/** Task instance statuses. */
export const TaskStatus = {
  Queued: 'Queued',
  Processing: 'Processing',
  Pending: 'Pending',
  Success: 'Success',
  Error: 'Error',
  Stopped: 'Stopped',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

/** Weir's extension: the outcome of a finished run, so nobody has to count error tasks. */
export const RunResult = { Success: 'Success', Error: 'Error' } as const;
export type RunResult = (typeof RunResult)[keyof typeof RunResult];

/**
 * The only allowed task instance transitions. Every store write that changes a status is a
 * compare-and-set on the `from` status; the engine checks this table (`engine/transitions.ts`) before
 * it asks. `Success`/`Error`/`Stopped` are final: a rerun adds a new instance, it never reopens one.
 * `Processing → Queued` is a release (shutdown) or a lease that expired; `Pending → Processing` a claim
 * of a due wait; `Queued → Stopped`/`Pending → Stopped` a stop.
 */
export const TASK_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  Queued: ['Processing', 'Stopped'],
  Processing: ['Success', 'Error', 'Pending', 'Stopped', 'Queued'],
  Pending: ['Processing', 'Stopped'],
  Success: [],
  Error: [],
  Stopped: [],
};

/**
 * Run transitions. `Stopped` is final. `Finished` is final for the queue, but a rerun of one of its
 * task instances reopens it (`Finished → Queued`), as the reference does: the run goes on from there
 * and finishes again with a result decided anew.
 */
export const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  Queued: ['Processing', 'Stopping', 'Stopped', 'Finished'],
  Processing: ['Pending', 'Finished', 'Stopping', 'Stopped'],
  Pending: ['Processing', 'Finished', 'Stopping', 'Stopped'],
  Stopping: ['Stopped'],
  Finished: ['Queued'],
  Stopped: [],
};

export function canTaskTransition(from: TaskStatus, to: TaskStatus): boolean {
  return TASK_TRANSITIONS[from].includes(to);
}

export function canRunTransition(from: RunStatus, to: RunStatus): boolean {
  return RUN_TRANSITIONS[from].includes(to);
}

/** Statuses in which a task instance still has work ahead of it. */
export const LIVE_TASK_STATUSES: readonly TaskStatus[] = ['Queued', 'Processing', 'Pending'];

export function isFinalTaskStatus(status: TaskStatus): boolean {
  return status === 'Success' || status === 'Error' || status === 'Stopped';
}

export function isFinalRunStatus(status: RunStatus): boolean {
  return status === 'Finished' || status === 'Stopped';
}
