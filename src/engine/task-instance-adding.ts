import { applyPatch, decodePatch, diffData, encodePatch } from '../model/data-patch.js';
import { deepMerge } from '../model/deep-merge.js';
import type { JsonObject, RunState, StoredDataIn, TaskInstanceRecord } from '../model/records.js';
import type { QueueTransaction, Scope } from '../store/queue-store.js';
import { DataLoader } from './data-loader.js';
import type { HeldData } from './data-writes.js';

/**
 * Adding a task instance to a run (a hook's target, a rerun): the one place Merge arrivals and the loop
 * guard are decided. Runs inside the queue transaction of the change that adds it (engine/progression.ts,
 * engine/run-actions.ts), the run already locked.
 */

/** The loop guard: a task may run at most this many times in one scope of a run (engine.md). */
export const LOOP_GUARD = 1000;

/** A task instance to start after another one: the target of a hook. */
export interface SuccessorSpec {
  taskId: number;
  name: string;
  actionType: string;
  previousId: number | null;
  /** Its input `Data` as it is written (engine/data-writes.ts). */
  dataIn: StoredDataIn;
  /** Its input `Data`, when this node holds it (to run it at once, or to join it to a Merge); else null. */
  data: HeldData | null;
  /** The For Each branch it belongs to (inherited from its predecessor; new for fanned-out branches). */
  scope: Scope;
  /** A Logic::Merge arrival: joins the scope's waiting merge instance of that task instead of adding one. */
  isMergeArrival: boolean;
}

/** What progression (and adding an instance) may use besides the transaction. */
export interface ProgressionOptions {
  /**
   * The executor's data loader, for `Data` it does not hold (a waiting Merge's input): its cache first,
   * then the transaction. Absent: read through the transaction.
   */
  data?: DataLoader;
}

/** Where a new task instance went: into the queue (or held), merged into a waiting Merge, or refused. */
export type Added =
  | { kind: 'inserted'; instance: TaskInstanceRecord }
  | { kind: 'merged'; into: number }
  /** The first arrival at a Merge: a `Pending` instance that waits for its scope to go quiet. */
  | { kind: 'waiting'; instance: TaskInstanceRecord }
  | { kind: 'loop-guard'; taskName: string };

/** Adds a task instance to a run: the one place Merge arrivals and the loop guard are decided. */
export async function addTaskInstance(
  tx: QueueTransaction,
  run: RunState,
  spec: SuccessorSpec,
  options: ProgressionOptions & {
    heldBy: { nodeId: string; leaseUntil: number } | null;
    now: number;
    rerunOf?: number;
    log?: string;
  },
): Promise<Added> {
  const { now } = options;
  if (spec.isMergeArrival) {
    const waiting = await tx.findWaitingMerge(run.id, spec.taskId, spec.scope);
    if (waiting) {
      const loader = options.data ? options.data.reading(tx) : new DataLoader(tx, { isCached: false });
      await tx.setDataIn(waiting.id, await mergedDataIn(loader, run, waiting, spec), now);
      return { kind: 'merged', into: waiting.id };
    }
  }
  if (options.rerunOf === undefined && (await tx.countTaskInScope(run.id, spec.taskId, spec.scope)) >= LOOP_GUARD) {
    return { kind: 'loop-guard', taskName: spec.name };
  }
  const heldBy = spec.isMergeArrival ? null : options.heldBy;
  const instance = await tx.insertTaskInstance({
    run,
    taskId: spec.taskId,
    name: spec.name,
    actionType: spec.actionType,
    status: spec.isMergeArrival ? 'Pending' : heldBy ? 'Processing' : 'Queued',
    previousId: spec.previousId,
    dataIn: spec.dataIn,
    heldBy,
    scope: spec.scope,
    waitingOn: spec.isMergeArrival ? 'merge' : null,
    rerunOf: options.rerunOf ?? null,
    ...(options.log !== undefined ? { log: options.log } : {}),
    now,
  });
  return spec.isMergeArrival ? { kind: 'waiting', instance } : { kind: 'inserted', instance };
}

/**
 * A waiting Merge's input `Data` with an arrival deep-merged into it, stored as the changes from the
 * same base: the branches share most of their `Data` (by reference, when this node holds them), so only
 * what the arriving branch changed is written.
 */
async function mergedDataIn(
  loader: DataLoader,
  run: RunState,
  waiting: TaskInstanceRecord,
  arrival: SuccessorSpec,
): Promise<StoredDataIn> {
  const arriving =
    arrival.data ??
    (await loader.dataIn({ storedData: arrival.dataIn, iterationParentId: arrival.scope.iterationParentId }, run));
  const { inWhole, inPatch, baseId } = waiting.storedData;
  if (inWhole !== null) {
    const merged = deepMerge(JSON.parse(inWhole) as JsonObject, arriving.data);
    return { baseId: null, inPatch: null, inWhole: JSON.stringify(merged) };
  }
  const base = await loader.baseOf(waiting, run);
  const current = inPatch === null ? base.data : applyPatch(base.data, decodePatch(inPatch));
  const merged = deepMerge(current, arriving.data);
  return { baseId, inPatch: encodePatch(base.data, diffData(base.data, merged)).json, inWhole: null };
}
