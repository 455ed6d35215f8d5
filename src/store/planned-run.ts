import type { RunRecord, TaskInstanceRecord } from '../model/records.js';
import { runName } from './rows.js';
import type { NewTaskInstance } from './queue-store.js';
import type { NewRun } from './store-inputs.js';

/**
 * The records a new run and its entry task instances will have once inserted, from ids and a run number
 * the store assigned beforehand: what `createRun` writes, and what a drafted run starts from.
 */
export function plannedRun(
  input: NewRun,
  id: number,
  number: { seq: number; previousRunAt: number | null },
): RunRecord {
  const isHeld = input.claimFor !== null;
  return {
    id,
    workflowId: input.workflowId,
    versionId: input.versionId,
    name: runName(input.workflowId, number.seq),
    status: isHeld ? 'Processing' : 'Queued',
    result: null,
    mode: input.mode,
    priority: input.priority,
    inputs: input.inputs,
    runUser: input.runUser,
    previousRunAt: number.previousRunAt,
    response: null,
    responseResult: null,
    errorClass: null,
    errorMessage: null,
    parentTaskInstanceId: input.parentTaskInstanceId ?? null,
    depth: input.depth ?? 0,
    createdAt: input.now,
    updatedAt: input.now,
    startedAt: isHeld ? input.now : null,
    finishedAt: null,
    idempotencyKey: input.idempotencyKey,
    idempotencyDigest: input.idempotencyDigest ?? null,
  };
}

/** An entry task instance of a new run, to insert: held when the run is claimed, its Data the run's initial Data. */
export function entryInstance(
  run: RunRecord,
  input: Pick<NewRun, 'claimFor' | 'now'>,
  task: NewRun['entryTasks'][number],
): NewTaskInstance {
  return {
    run,
    taskId: task.taskId,
    name: task.name,
    actionType: task.actionType,
    status: input.claimFor ? 'Processing' : 'Queued',
    previousId: null,
    // The run's initial Data, derived from its inputs: the one stored copy of them.
    dataIn: { baseId: null, inPatch: null, inWhole: null },
    heldBy: input.claimFor,
    scope: { iterationParentId: null, iterationIndex: null },
    waitingOn: null,
    rerunOf: null,
    now: input.now,
  };
}

/** The record a task instance has once inserted as `instance` says, with the table's defaults for the rest. */
export function insertedInstance(instance: NewTaskInstance & { id: number }): TaskInstanceRecord {
  return {
    id: instance.id,
    runId: instance.run.id,
    workflowId: instance.run.workflowId,
    versionId: instance.run.versionId,
    taskId: instance.taskId,
    name: instance.name,
    actionType: instance.actionType,
    status: instance.status,
    previousId: instance.previousId,
    storedData: { ...instance.dataIn, outPatch: null, outWhole: null },
    state: null,
    attempt: 1,
    dueAt: null,
    error: null,
    errorClass: null,
    errorDetails: null,
    log: instance.log ?? null,
    iterationParentId: instance.scope.iterationParentId,
    iterationIndex: instance.scope.iterationIndex,
    iterationsDone: 0,
    waitingOn: instance.waitingOn,
    isUnhandledError: false,
    rerunOf: instance.rerunOf,
    rerunBy: null,
    startedAt: instance.heldBy ? instance.now : null,
    endedAt: null,
    createdAt: instance.now,
    updatedAt: instance.now,
  };
}
