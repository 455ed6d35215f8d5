import type { JsonValue, RunState, TaskInstanceRecord } from '../model/records.js';
import type { QueueStore } from '../store/queue-store.js';
import type { MailSender, SubRunStarter, TaskOutcome } from '../tasks/task-type.js';
import { BrokenDataChainError } from '../store/data-rebuild.js';
import type { DataLoader } from './data-loader.js';
import { writeOut, type HeldData } from './data-writes.js';
import type { ObservedAttempt, TraceParent } from './engine-observer.js';
import { completionOf, type Completed } from './outcome-fields.js';
import type { TaskCompletion } from './progression.js';
import type { LazyAbort } from './lazy-abort.js';
import type { RunDraft } from './run-draft.js';
import { taskContext } from './task-context.js';
import type { VersionCache } from './version-cache.js';

/** What an attempt needs from around it (the executor's options give it). */
export interface AttemptServices {
  queue: QueueStore;
  versions: VersionCache;
  nodeId: string;
  leaseMs: number;
  now: () => number;
  fetch: typeof fetch;
  mail: MailSender | null;
  /** Sub-runs started on behalf of one task instance of one run (`parent`: the attempt's trace, if traced). */
  subRuns: (run: RunState, instance: TaskInstanceRecord, parent: TraceParent | undefined) => SubRunStarter;
  logError: (message: string, error: unknown) => void;
  /** The tenant's `GlobalConstants` scope (secrets opened), cached by its owner; absent: none. */
  globalConstants?: () => Promise<Record<string, JsonValue>>;
}

/** What an attempt reads of its execution, and sets on it: the run it read, how long the task ran. */
export interface AttemptedExecution extends Pick<ObservedAttempt, 'instance' | 'run' | 'executionSeconds' | 'trace'> {
  controller: LazyAbort;
}

/** What the caller of an execution may hand its attempt. */
export interface AttemptInputs {
  /** Its input `Data`, when the caller holds it (a responsive run going on here): not read again. */
  dataIn?: HeldData | null;
  /**
   * The run is kept in memory until it must be stored (`run-draft.ts`): its transactions go through
   * the draft, and a task with side effects waits for the draft's write.
   */
  draft?: RunDraft;
}

/** An attempt's completion, and the output `Data` to keep for the successors when it is recorded. */
export interface Attempted {
  completion: TaskCompletion;
  out: HeldData | null;
}

/** The output of an attempt that changed nothing: its input, not read. */
const UNCHANGED = { stored: { outPatch: '[]', outWhole: null }, data: null };

/**
 * One attempt of a task instance, up to the completion to record: the run, version and input `Data` found,
 * the task type executed with its context (`task-context.ts`), its outcome turned into the completion's
 * fields (`outcome-fields.ts`). Undefined when nothing may be recorded (a draft whose write failed: the run
 * does not exist). Writing the completion is the executor's (`task-executor.ts`).
 */
export async function attemptTask(
  execution: AttemptedExecution,
  options: AttemptInputs,
  services: AttemptServices,
  loader: DataLoader,
): Promise<Attempted | undefined> {
  const { queue, versions, now } = services;
  const { instance } = execution;
  const abort = execution.controller;
  // Without its inputs: only a first task needs them, and the data loader reads them then.
  const run = execution.run ?? (await queue.getRunState(instance.runId));
  execution.run = run;
  const version = await versions.get(instance.versionId);
  const task = version?.tasks.get(instance.taskId);
  const scope = { iterationParentId: instance.iterationParentId, iterationIndex: instance.iterationIndex };
  const base = { instanceId: instance.id, runId: instance.runId, nodeId: services.nodeId, log: null, scope };
  // Ends that change no Data: the output is the input, written without reading it.
  const ends = { successors: [], claimSuccessorsUntil: null, dataOut: UNCHANGED };
  if (!run || !version || !task) {
    const message = `Task ${instance.taskId} of version ${instance.versionId} cannot be found.`;
    const error = { errorClass: 'WorkflowError::Internal', message, details: null };
    return {
      completion: { ...base, ...ends, now: now(), status: 'Error', error, isUnhandledError: true },
      out: null,
    };
  }
  if (run.status === 'Stopping' || run.status === 'Stopped') {
    return { completion: { ...base, ...ends, now: now(), status: 'Stopped' }, out: null };
  }
  // No side effect for a run that is not stored: such a task waits for its draft to be written
  // (when that fails, the run does not exist: nothing runs); so does reading Data this node does not hold.
  if (options.draft && (task.type.hasSideEffects !== false || !options.dataIn)) {
    try {
      await options.draft.write();
    } catch {
      return undefined;
    }
  }
  let input: HeldData;
  try {
    input = options.dataIn ?? (await loader.dataIn(instance, run));
  } catch (error) {
    // Trouble reading is retried (the instance is left to its lease); a chain that leads nowhere never heals.
    if (!(error instanceof BrokenDataChainError)) throw error;
    services.logError(`task instance ${instance.id} has no input Data`, error);
    const failure = {
      errorClass: 'WorkflowError::Internal',
      message: 'The input Data of the task cannot be read.',
      details: null,
    };
    return {
      completion: { ...base, ...ends, now: now(), status: 'Error', error: failure, isUnhandledError: true },
      out: null,
    };
  }
  // The task's own copy, shallow: it sets top-level keys; values below are shared, never changed in place.
  const data = { ...input.data };
  const globalConstants = services.globalConstants ? await services.globalConstants() : undefined;
  const logLines: string[] = [];
  const context = taskContext({
    task,
    data,
    run,
    instance,
    abort,
    now,
    fetch: execution.trace ? execution.trace.wrapFetch(services.fetch) : services.fetch,
    log: (line) => logLines.push(line),
    mail: services.mail,
    workflows: services.subRuns(run, instance, execution.trace?.parent),
    globalConstants,
  });
  let outcome: TaskOutcome;
  const started = performance.now();
  try {
    outcome = await task.type.execute(context);
  } catch (error) {
    // A task type that throws has a bug; the run still gets an answer.
    services.logError(`task type ${task.type.actionType} threw`, error);
    outcome = { kind: 'error', errorClass: 'WorkflowError::Internal', message: 'The task failed unexpectedly.' };
  }
  execution.executionSeconds = (performance.now() - started) / 1000;
  const log = logLines.length > 0 ? `${logLines.join('\n')}\n` : null;
  if (abort.aborted) {
    const { stored, held } = writeOut(input, data);
    const dataOut = { stored, data: held.data };
    return { completion: { ...base, ...ends, now: now(), log, status: 'Stopped', dataOut }, out: null };
  }
  const { fields, out }: Completed = await completionOf(outcome, {
    instance,
    input,
    data,
    version,
    claimSuccessorsUntil: run.mode === 'sync' ? now() + services.leaseMs : null,
    iterationItems: (iterateId, from, count) => services.queue.iterationItems(iterateId, from, count),
  });
  return { completion: { ...base, now: now(), log, ...fields, mayHaveMerges: version.hasMerge }, out };
}
