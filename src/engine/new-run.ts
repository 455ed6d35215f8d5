import { IdempotencyKeyReusedError } from '../model/errors.js';
import type { RunRecord } from '../model/records.js';
import type { NewRun } from '../store/store.js';
import type { StartRunRequest } from './engine.js';

/** Idempotency keys are honoured for 24 hours. */
const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** What the store is asked to create for a run request: the run and its entry task instances. */
export function newRunOf(
  request: StartRunRequest,
  options: { mode: 'standard' | 'sync'; claimFor: { nodeId: string; leaseUntil: number } | null; now: number },
): NewRun {
  return {
    workflowId: request.version.workflowId,
    versionId: request.version.versionId,
    mode: options.mode,
    priority: request.priority,
    inputs: request.inputs,
    // Serialized once here: the store writes it, responsive runs size their initial Data by it.
    inputsJson: JSON.stringify(request.inputs),
    runUser: request.runUser,
    idempotencyKey: request.idempotencyKey,
    idempotencyDigest: request.idempotencyKey === null ? null : (request.idempotencyDigest ?? null),
    idempotencyWindowMs: IDEMPOTENCY_WINDOW_MS,
    entryTasks: request.version.graph.entryTaskIds.map((taskId) => {
      const task = request.version.tasks.get(taskId);
      return {
        taskId,
        name: task?.definition.name ?? String(taskId),
        actionType: task?.definition.action_type ?? 'Unknown',
      };
    }),
    claimFor: options.claimFor,
    now: options.now,
  };
}

/**
 * A repeated `Idempotency-Key` answers the first run only for the same request: another one is refused
 * (422) rather than silently given the first run. Runs stored before digests were (null) are not judged.
 */
export function checkRepeat(run: RunRecord, request: StartRunRequest): void {
  const stored = run.idempotencyDigest ?? null;
  const sent = request.idempotencyDigest ?? null;
  if (stored !== null && sent !== null && stored !== sent && request.idempotencyKey !== null) {
    throw new IdempotencyKeyReusedError(request.idempotencyKey);
  }
}
