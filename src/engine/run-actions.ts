import { dataChanges, describeDataChanges } from '../model/data-changes.js';
import type { JsonObject, RunState, TaskInstanceRecord } from '../model/records.js';
import type { QueueTransaction } from '../store/queue-store.js';
import { canRerun, resultOf, settle, type Settled } from './progression.js';
import { addTaskInstance } from './task-instance-adding.js';
import { DataLoader } from './data-loader.js';
import { runStatusChange, runStatusChangeFrom, taskStatusChange } from './transitions.js';

/**
 * What an operator does to runs, once for every store: stop a run or one waiting task instance,
 * rerun a final task instance, decide an approval. Each runs inside one queue transaction.
 */

/** Stops a run: `Stopping`, its waiting instances `Stopped`; `Stopped` at once when none is executing. */
export async function stopRun(tx: QueueTransaction, runId: number, now: number): Promise<StopOutcome | undefined> {
  const run = await tx.lockRun(runId);
  if (!run) return undefined;
  if (run.status !== 'Queued' && run.status !== 'Processing' && run.status !== 'Pending') {
    return { run, executingIds: [], isChanged: false };
  }
  const stopping = await tx.setRunStatus(runStatusChange(run, 'Stopping', now));
  if (!stopping) return { run, executingIds: [], isChanged: false };
  taskStatusChange('Queued', 'Stopped');
  taskStatusChange('Pending', 'Stopped');
  const executingIds = await tx.stopWaitingInstancesOfRun(runId, now);
  if (executingIds.length > 0) return { run: stopping, executingIds, isChanged: true };
  const stopped = await tx.setRunStatus({
    ...runStatusChange(stopping, 'Stopped', now),
    finish: { result: resultOf(stopping), responseJson: null },
  });
  // A stopped sub-run ends its caller's wait too.
  if (stopped && stopped.parentTaskInstanceId !== null) await tx.wake(stopped.parentTaskInstanceId, now, 'sub_run');
  return { run: stopped ?? stopping, executingIds, isChanged: true };
}

/** What stopping a run did: the run after, what still executes, and whether anything changed. */
export interface StopOutcome {
  run: RunState;
  executingIds: number[];
  isChanged: boolean;
}

/**
 * Stops one waiting task instance (`Queued` or `Pending`: a delay, an approval nobody will give) and
 * moves its run on as if it had ended. Undefined when it was not waiting.
 */
export async function stopTaskInstance(tx: QueueTransaction, id: number, now: number): Promise<Settled | undefined> {
  const instance = await tx.getTaskInstance(id);
  if (!instance) return undefined;
  const run = await tx.lockRun(instance.runId);
  if (!run) return undefined;
  const stopped = await tx.stopWaitingInstance(id, now);
  if (!stopped) return undefined;
  const scope = { iterationParentId: stopped.iterationParentId, iterationIndex: stopped.iterationIndex };
  return settle(tx, run, scope, { isInstanceFinal: true, response: null, answer: null, now, mayHaveMerges: true });
}

/** A rerun that must not happen after all; thrown inside the transaction so it rolls back. */
export class RerunRaceError extends Error {
  override readonly name = 'RerunRaceError';
}

/** How a rerun is asked for (`POST /workflows/tasks/{id}/rerun`, **ext** body). */
export interface RerunOptions {
  /** Input `Data` to rerun with instead of the recorded one (edited by a person). */
  data?: JsonObject;
  /** Who asked (the OAuth client id), written to the new instance's log when `data` is given. */
  by?: string;
}

/**
 * Reruns a final task instance: a new `Queued` instance of the same task with the same input `Data`
 * (or `options.data`, recorded in its log by paths only, never values) and place in the graph; the
 * run is live again, its result and answer decided anew from the unhandled failures that remain.
 * Undefined when the instance is not final, was rerun, or its run is being stopped.
 */
export async function rerunTaskInstance(
  tx: QueueTransaction,
  id: number,
  now: number,
  options: RerunOptions = {},
): Promise<TaskInstanceRecord | undefined> {
  const seen = await tx.getTaskInstance(id);
  if (!seen) return undefined;
  const run = await tx.lockRun(seen.runId);
  // Read again under the run's lock: a rerun by another transaction meanwhile is seen.
  const old = await tx.getTaskInstance(id);
  if (!run || !old || !canRerun(old, run)) return undefined;
  const added = await addTaskInstance(
    tx,
    run,
    {
      taskId: old.taskId,
      name: old.name,
      actionType: old.actionType,
      previousId: old.previousId,
      // The recorded input Data, as it is stored (by reference: nothing is read or copied); edited Data
      // is stored whole.
      dataIn: options.data
        ? { baseId: null, inPatch: null, inWhole: JSON.stringify(options.data) }
        : { baseId: old.storedData.baseId, inPatch: old.storedData.inPatch, inWhole: old.storedData.inWhole },
      data: null,
      scope: { iterationParentId: old.iterationParentId, iterationIndex: old.iterationIndex },
      isMergeArrival: false,
    },
    {
      heldBy: null,
      now,
      rerunOf: old.id,
      ...(options.data ? { log: await editedDataLine(tx, { old, run, data: options.data, by: options.by }) } : {}),
    },
  );
  if (added.kind !== 'inserted') return undefined;
  // The run is locked and the instance was checked under the lock: a lost race here is a bug.
  if (!(await tx.markRerun(old.id, added.instance.id, now)))
    throw new RerunRaceError(`task instance ${id} was rerun meanwhile`);
  const error = await tx.firstUnhandledError(run.id);
  const to = run.status === 'Finished' ? 'Queued' : run.status;
  await tx.setRunStatus({ ...runStatusChangeFrom([run.status], run.id, to, now), reopen: { error: error ?? null } });
  return added.instance;
}

/** The log line of a rerun with edited `Data`: who, of which instance, and which paths changed. */
async function editedDataLine(
  tx: QueueTransaction,
  edit: { old: TaskInstanceRecord; run: RunState; data: JsonObject; by: string | undefined },
): Promise<string> {
  const { old, data, by } = edit;
  const recorded = (await new DataLoader(tx, { isCached: false }).dataIn(old, edit.run)).data;
  const who = by === undefined ? 'an unknown client' : `client ${JSON.stringify(by)}`;
  const changes = describeDataChanges(dataChanges(recorded, data));
  return `Rerun of task ${old.id} with input Data edited by ${who} (${changes}).\n`;
}

/**
 * Records an approval decision on a `Pending` Approval task instance and makes it due now. The first
 * decision stands, even if a second arrives before the engine has acted on it. False when the instance
 * is not waiting for approval.
 */
export async function decideApproval(
  tx: QueueTransaction,
  id: number,
  decision: JsonObject,
  now: number,
): Promise<boolean> {
  const seen = await tx.getTaskInstance(id);
  if (!seen) return false;
  await tx.lockRun(seen.runId);
  // Read again under the run's lock: a decision taken meanwhile is seen.
  const instance = await tx.getTaskInstance(id);
  if (!instance || instance.status !== 'Pending' || instance.waitingOn !== 'approval') return false;
  const previous = instance.state ?? {};
  if (previous['decision'] !== undefined) return false;
  return tx.recordApproval(id, { ...previous, decision }, now);
}
