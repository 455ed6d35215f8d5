import type { RunState } from '../model/records.js';
import { canRunTransition, canTaskTransition, type RunStatus, type TaskStatus } from '../model/statuses.js';
import type { RunsStart, RunStatusChange } from '../store/queue-store.js';

/**
 * The engine's status changes go through the transition tables of `model/statuses.ts`: a change the
 * table forbids is a bug in the engine, thrown here before any store is asked to write it.
 */
export class ForbiddenTransitionError extends Error {
  override readonly name = 'ForbiddenTransitionError';
}

/** A compare-and-set of `run` from the status it was read with to `to` (the same status: fields only). */
export function runStatusChange(run: Pick<RunState, 'id' | 'status'>, to: RunStatus, now: number): RunStatusChange {
  return runStatusChangeFrom([run.status], run.id, to, now);
}

/** A compare-and-set of a run from any of `from` to `to`. */
export function runStatusChangeFrom(
  from: readonly RunStatus[],
  runId: number,
  to: RunStatus,
  now: number,
): RunStatusChange {
  checkRunTransitions(from, to, `run ${runId}`);
  return { runId, from, to, now };
}

/** The runs a claim took task instances of start executing: from `Queued` (a new run) or `Pending` (a wake-up). */
export function runsStart(runIds: readonly number[], now: number): RunsStart {
  checkRunTransitions(STARTABLE, 'Processing', 'runs of a claim');
  return { runIds, from: STARTABLE, to: 'Processing', now };
}

const STARTABLE = ['Queued', 'Pending'] as const;

function checkRunTransitions(from: readonly RunStatus[], to: RunStatus, subject: string): void {
  for (const status of from) {
    if (status !== to && !canRunTransition(status, to)) {
      throw new ForbiddenTransitionError(`${subject}: ${status} → ${to} is not an allowed transition`);
    }
  }
}

/** Checks a task instance status change against the table. */
export function taskStatusChange(from: TaskStatus, to: TaskStatus): void {
  if (!canTaskTransition(from, to)) throw new ForbiddenTransitionError(`task instance: ${from} → ${to} is not allowed`);
}
