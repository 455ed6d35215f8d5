import type { RunRecord, TaskInstanceRecord } from '../model/records.js';
import { runName } from './rows.js';
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

/** The record an entry task instance of `run` will have once inserted (held when the run is). */
export function plannedEntryInstance(
  run: RunRecord,
  entry: { id: number; taskId: number; name: string; actionType: string },
): TaskInstanceRecord {
  const isHeld = run.status === 'Processing';
  return {
    id: entry.id,
    runId: run.id,
    workflowId: run.workflowId,
    versionId: run.versionId,
    taskId: entry.taskId,
    name: entry.name,
    actionType: entry.actionType,
    status: isHeld ? 'Processing' : 'Queued',
    previousId: null,
    // The run's initial Data, derived from its inputs: the one stored copy of them.
    storedData: { baseId: null, inPatch: null, inWhole: null, outPatch: null, outWhole: null },
    state: null,
    attempt: 1,
    dueAt: null,
    error: null,
    errorClass: null,
    errorDetails: null,
    log: null,
    iterationParentId: null,
    iterationIndex: null,
    iterationsDone: 0,
    waitingOn: null,
    isUnhandledError: false,
    rerunOf: null,
    rerunBy: null,
    startedAt: isHeld ? run.createdAt : null,
    endedAt: null,
    createdAt: run.createdAt,
    updatedAt: run.createdAt,
  };
}
