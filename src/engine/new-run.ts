import { IdempotencyKeyReusedError } from '../model/errors.js';
import type { JsonObject, RunRecord } from '../model/records.js';
import type { Priority } from '../model/workflow-document.js';
import type { NewRun } from '../store/store.js';
import type { CompiledVersion } from './compiled-version.js';
import type { TraceParent } from './engine-observer.js';

/** A request to start a run of a version. */
export interface StartRunRequest {
  version: CompiledVersion;
  priority: Priority;
  inputs: JsonObject;
  runUser: string;
  idempotencyKey: string | null;
  /** `requestDigest` of what the request carried, stored with the key; a repeat must match it. */
  idempotencyDigest?: string | null;
  /** Whether the workflow has a run limit: a run ending then frees a slot queued runs may wait for. */
  hasRunLimit?: boolean;
  /** The trace the run belongs to (the trigger request's span), while tracing is on. */
  trace?: TraceParent;
}

/** A scheduled instant to start a run for (`WorkflowRunUser` "Scheduler"). */
export interface ScheduledRunStart extends Omit<StartRunRequest, 'idempotencyKey'> {
  scheduledAt: number;
  /** The reference's skip rule (`active_scheduled_run_check`). */
  isActiveRunCheckOn: boolean;
  /** Skip the instant for this reason instead (recorded). */
  skipReason: string | null;
}

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
