import type {
  JsonObject,
  RunState,
  RunResponse,
  StoredDataIn,
  StoredDataOut,
  TaskInstanceRecord,
  WaitingOn,
} from '../model/records.js';
import { isFinalTaskStatus, type RunResult, type TaskStatus } from '../model/statuses.js';
import type { QueueTransaction, RecordedResponse, RunStatusChange, Scope } from '../store/queue-store.js';
import type { HeldData } from './data-writes.js';
import { addTaskInstance, LOOP_GUARD, type ProgressionOptions, type SuccessorSpec } from './task-instance-adding.js';
import { runStatusChange, taskStatusChange } from './transitions.js';

/**
 * How a run moves on, once for every store: an attempt's outcome, the successors of its hook, the
 * wake-ups it causes (an Iterate whose branch ended, a Merge whose scope went quiet, the parent of a
 * finished sub-run), the loop guard, and the run's new status. Each function runs inside one queue
 * transaction and locks the run before it changes anything of it, so two transactions never
 * interleave their changes of one run (the lock order is run, then its task instances).
 */

/** The final or waiting outcome of one attempt of a claimed task instance. */
export interface TaskCompletion {
  instanceId: number;
  runId: number;
  nodeId: string;
  now: number;
  status: Extract<TaskStatus, 'Success' | 'Error' | 'Pending' | 'Stopped'>;
  /**
   * Its output `Data` as written, and the `Data` itself: the run's answer if it ends the run without a
   * response task (null only on ends that are not a success, which never answer with it).
   */
  dataOut: { stored: StoredDataOut; data: JsonObject | null } | null;
  /** Its input `Data` written in another form (the same `Data`, rebased: engine/data-writes.ts). */
  rebaseIn?: StoredDataIn;
  /** An Iterate's first attempt: the JSON of all its items, stored once (it reads them back by index). */
  iterationItems?: readonly string[];
  /** For `Pending`: when it is due again (null: until woken), what it waits for, its state, whether the next attempt counts. */
  dueAt?: number | null;
  waitingOn?: WaitingOn | null;
  state?: JsonObject | null;
  isRetry?: boolean;
  error?: { errorClass: string; message: string; details: string | null };
  /** Set when this failure ends its branch unhandled: the run's result becomes `Error`. */
  isUnhandledError?: boolean;
  log: string | null;
  /** A response task's answer; the first one recorded in a run wins. */
  response?: RunResponse & { runResult: RunResult };
  successors: readonly SuccessorSpec[];
  scope: Scope;
  /** False when the run's version has no Logic::Merge: no waiting merge can need waking (saves a query). */
  mayHaveMerges?: boolean;
  /** For an Iterate waiting on its branches: the `iterationsDone` it saw, so a branch that ended meanwhile wakes it. */
  iterationsDoneSeen?: number;
  /** Successors are inserted `Processing`, held by this node until then (responsive runs continue in-process). */
  claimSuccessorsUntil: number | null;
}

export interface CompletionResult {
  /** False when the instance was no longer ours (stopped, or re-claimed after a lost lease). */
  applied: boolean;
  successors: StartedInstance[];
  /** The run after the completion. */
  run: RunState | undefined;
  /** True when this completion made the run final. */
  runBecameFinal: boolean;
  /** Waiting task instances this completion made due now (an Iterate, a Merge, a parent of a sub-run). */
  wokeCount: number;
}

/** A task instance a completion added, with its input `Data` when this node holds it. */
export interface StartedInstance {
  instance: TaskInstanceRecord;
  data: HeldData | null;
}

/** What settling a run after a change gives. */
export interface Settled {
  run: RunState;
  runBecameFinal: boolean;
  wokeCount: number;
}

/** Records an attempt's outcome (fenced by owner), inserts its successors and moves the run on. */
export async function completeTaskInstance(
  tx: QueueTransaction,
  completion: TaskCompletion,
  options: ProgressionOptions = {},
): Promise<CompletionResult> {
  const { now } = completion;
  let run = await tx.lockRun(completion.runId);
  if (!run) return notApplied(undefined);
  const isPending = completion.status === 'Pending';
  taskStatusChange('Processing', completion.status);
  const isWaiting = isPending && (completion.dueAt ?? null) === null;
  // Read before the outcome is written, the sub-run locked: see `hasHappened`.
  const hasSubRunEnded =
    isWaiting && completion.waitingOn === 'sub_run' ? await tx.hasFinalSubRun(completion.instanceId) : false;
  const applied = await tx.writeOutcome({
    id: completion.instanceId,
    nodeId: completion.nodeId,
    status: completion.status,
    dataOut: completion.dataOut?.stored ?? null,
    ...(completion.rebaseIn ? { rebaseIn: completion.rebaseIn } : {}),
    state: completion.state ?? null,
    waitingOn: isPending ? (completion.waitingOn ?? null) : null,
    dueAt: isPending ? (completion.dueAt ?? null) : null,
    isNextAttempt: isPending && completion.isRetry === true,
    error: completion.error ?? null,
    isUnhandledError: completion.isUnhandledError === true,
    log: completion.log,
    endedAt: isPending ? null : now,
    now,
  });
  if (!applied) return notApplied(run);
  if (completion.iterationItems) await tx.insertIterationItems(completion.instanceId, completion.iterationItems);
  let wokeItself = 0;
  if (isWaiting && (await hasHappened(tx, completion, hasSubRunEnded))) {
    if (await tx.wake(completion.instanceId, now)) wokeItself = 1;
  }
  if (completion.isUnhandledError && completion.error) {
    run = await failRun(tx, run, completion.error.errorClass, completion.error.message);
  }
  // The first response recorded wins. Held until `settle`: written with the run's end when this
  // completion ends the run (one UPDATE instead of two), on its own otherwise.
  let response: RecordedResponse | null = null;
  if (completion.response && run.response === null) {
    const { runResult, ...value } = completion.response;
    response = { value, result: runResult };
    run = { ...run, response: value, responseResult: runResult };
  }
  const successors: StartedInstance[] = [];
  if (!isStopping(run)) {
    const heldBy =
      completion.claimSuccessorsUntil === null
        ? null
        : { nodeId: completion.nodeId, leaseUntil: completion.claimSuccessorsUntil };
    for (const spec of completion.successors) {
      const added = await addTaskInstance(tx, run, spec, { heldBy, now, ...options });
      if (added.kind === 'inserted') successors.push({ instance: added.instance, data: spec.data });
      if (added.kind === 'loop-guard') {
        run = await failRun(
          tx,
          run,
          'WorkflowError::LoopGuard',
          `Task "${added.taskName}" ran ${LOOP_GUARD} times in this run; the loop guard stopped the run.`,
        );
      }
    }
  }
  // A run with no response task answers with the Data of the task that ended it, if it succeeded
  // (serialized only if this completion does end the run).
  const dataOut = completion.dataOut?.data ?? null;
  const answer =
    completion.status === 'Success' && run.errorClass === null
      ? () => `{"code":200,"body":${JSON.stringify(dataOut)}}`
      : null;
  const settled = await settle(tx, run, completion.scope, {
    isInstanceFinal: !isPending,
    response,
    answer,
    now,
    mayHaveMerges: completion.mayHaveMerges ?? true,
  });
  return { applied: true, successors, ...settled, wokeCount: settled.wokeCount + wokeItself };
}

/**
 * Whether what a waiting instance waits for has already happened, so that no wake-up is lost:
 * - a branch of its Iterate ended while it ran: asked after its outcome is written. The row is then
 *   locked, so a branch's count by another transaction waits for this one and then sees it waiting;
 *   one that committed before is seen here.
 * - the sub-run it waits for ended: asked before its outcome is written (`hasSubRunEnded`), the sub-run
 *   locked while this transaction lasts (`hasFinalSubRun`). The sub-run's end locks it first and wakes
 *   this instance after: either that end committed and is seen here, or it waits until this instance
 *   is waiting. Asked after the outcome instead, an end running beside this transaction could find the
 *   instance not yet waiting, and commit after this look found the sub-run not ended (PostgreSQL).
 */
async function hasHappened(
  tx: QueueTransaction,
  completion: TaskCompletion,
  hasSubRunEnded: boolean,
): Promise<boolean> {
  if (completion.waitingOn === 'iterations') {
    return (await tx.iterationsDone(completion.instanceId)) > (completion.iterationsDoneSeen ?? 0);
  }
  return completion.waitingOn === 'sub_run' && hasSubRunEnded;
}

/**
 * After a task instance changed: wakes what its end unblocks in its scope, then moves the run on:
 * final when nothing is live (answering with `answer` unless a response task answered), else
 * `Processing` or `Pending`. A finished sub-run wakes the task instance waiting for it.
 */
export async function settle(
  tx: QueueTransaction,
  before: RunState,
  scope: Scope,
  options: {
    isInstanceFinal: boolean;
    /** A response task's answer this transaction recorded on `before` but has not written yet (null: none). */
    response: RecordedResponse | null;
    /** The run's answer if this makes it final and no response task answered (null: none). */
    answer: (() => string) | null;
    now: number;
    mayHaveMerges: boolean;
  },
): Promise<Settled> {
  const { now } = options;
  let run = before;
  let wokeCount = await wakeInScope(tx, run.id, scope, options);
  const live = await tx.runCounts(run.id);
  const isQuiet = live.active + live.waiting === 0;
  const { response } = options;
  const final = isQuiet
    ? await finishRun(tx, run, now, {
        result: resultOf(run),
        response,
        responseJson: response === null && run.response === null && options.answer ? options.answer() : null,
      })
    : undefined;
  if (final) {
    if (final.parentTaskInstanceId !== null && (await tx.wake(final.parentTaskInstanceId, now, 'sub_run'))) {
      wokeCount += 1;
    }
    return { run: final, runBecameFinal: true, wokeCount };
  }
  // The run goes on (or had ended already): the answer is written on its own.
  if (response) await tx.recordResponse(run.id, response.value, response.result);
  if (isQuiet) return { run, runBecameFinal: false, wokeCount };
  const next = isStopping(run) ? run.status : live.active > 0 ? 'Processing' : 'Pending';
  if (next !== run.status) run = (await tx.setRunStatus(runStatusChange(run, next, now))) ?? run;
  return { run, runBecameFinal: false, wokeCount };
}

/** Wake-ups an instance's change causes in its scope: an ended For Each branch, a Merge whose scope went quiet. */
async function wakeInScope(
  tx: QueueTransaction,
  runId: number,
  scope: Scope,
  options: { isInstanceFinal: boolean; now: number; mayHaveMerges: boolean },
): Promise<number> {
  let woke = 0;
  let counts: { live: number; liveBesidesMerges: number } | undefined;
  if (options.isInstanceFinal && scope.iterationParentId !== null) {
    counts = await tx.scopeCounts(runId, scope);
    // The Iterate wakes only if it is waiting; if it is running, its own completion sees the count.
    if (counts.live === 0 && (await tx.countIterationDone(scope.iterationParentId, options.now))) woke += 1;
  }
  if (!options.mayHaveMerges) return woke;
  const merges = await tx.waitingMergeIds(runId, scope);
  if (merges.length === 0) return woke;
  counts ??= await tx.scopeCounts(runId, scope);
  if (counts.liveBesidesMerges > 0) return woke;
  for (const id of merges) if (await tx.wake(id, options.now, 'merge')) woke += 1;
  return woke;
}

/** Makes a run final: `Stopped` if it was being stopped, else `Finished`, with its result. */
async function finishRun(
  tx: QueueTransaction,
  run: RunState,
  now: number,
  finish: NonNullable<RunStatusChange['finish']>,
): Promise<RunState | undefined> {
  const to = isStopping(run) ? 'Stopped' : 'Finished';
  if (run.status === to) return undefined;
  return tx.setRunStatus({ ...runStatusChange(run, to, now), finish });
}

/** A run's result: `Error` when a failure went unhandled or its response task said so. */
export function resultOf(run: Pick<RunState, 'errorClass' | 'responseResult'>): RunResult {
  return run.errorClass !== null || run.responseResult === 'Error' ? 'Error' : 'Success';
}

/** Records a run's first unhandled failure (later ones do not replace it). */
async function failRun(tx: QueueTransaction, run: RunState, errorClass: string, message: string): Promise<RunState> {
  if (run.errorClass !== null) return run;
  await tx.setRunError(run.id, errorClass, message);
  return { ...run, errorClass, errorMessage: message };
}

function isStopping(run: RunState): boolean {
  return run.status === 'Stopping' || run.status === 'Stopped';
}

function notApplied(run: RunState | undefined): CompletionResult {
  return { applied: false, successors: [], run, runBecameFinal: false, wokeCount: 0 };
}

/** A final task instance may be rerun once, while its run is not being stopped. */
export function canRerun(instance: TaskInstanceRecord, run: RunState): boolean {
  return isFinalTaskStatus(instance.status) && instance.rerunBy === null && !isStopping(run);
}
