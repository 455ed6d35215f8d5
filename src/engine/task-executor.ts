import type { JsonObject, RunRecord, TaskInstanceRecord } from '../model/records.js';
import type { NewTaskInstanceSpec, Store, TaskCompletion } from '../store/store.js';
import type { MailSender, SubRunStarter, TaskContext, TaskOutcome } from '../tasks/task-type.js';
import type { CompiledVersion } from './compiled-version.js';
import { failureData, initialData, workflowInstanceScope } from './run-data.js';
import type { RunWaiters } from './run-waiters.js';
import type { VersionCache } from './version-cache.js';

/** What the executor needs from around it. */
export interface TaskExecutorOptions {
  store: Store;
  versions: VersionCache;
  waiters: RunWaiters;
  nodeId: string;
  leaseMs: number;
  now: () => number;
  fetch: typeof fetch;
  mail: MailSender | null;
  /** Sub-runs started on behalf of one task instance of one run. */
  subRuns: (run: RunRecord, instance: TaskInstanceRecord) => SubRunStarter;
  logError: (message: string, error: unknown) => void;
  /** New `Queued` work exists: wake the claim loop. */
  onQueuedWork: () => void;
  /** A task instance waits until `dueAt`: make sure the claim loop wakes then. */
  onDueAt: (dueAt: number) => void;
}

/** How often a failed completion write is retried before the instance is left to lease recovery. */
const COMPLETION_ATTEMPTS = 5;
/** A task's `Data` may be at most 5 MiB (engine.md); more is a task error, not a crash. */
export const MAX_DATA_BYTES = 5 * 1024 * 1024;

type CompletionFields = Omit<TaskCompletion, 'instanceId' | 'runId' | 'nodeId' | 'now' | 'log'>;

/**
 * Runs claimed task instances: one attempt each, then records the outcome, its successors and the
 * run's new status in one store write. Invariant: every instance handed to `execute` is completed,
 * stopped or left `Processing` under an expiring lease (only when the store is failing) before it
 * leaves `executing`.
 */
export class TaskExecutor {
  private readonly executing = new Map<number, AbortController>();

  constructor(private readonly options: TaskExecutorOptions) {}

  /** Ids of the task instances running in this process (their leases are renewed). */
  executingIds(): number[] {
    return [...this.executing.keys()];
  }

  /** Abandons running task instances (a stopped run): they end `Stopped`. */
  abort(ids: readonly number[]): void {
    for (const id of ids) this.executing.get(id)?.abort(new Error('The run was stopped.'));
  }

  /**
   * Executes one claimed task instance. Never throws; failures become task errors or are logged.
   * `run` may be passed when the caller has just read or written it (saves a read on the hot path).
   */
  async execute(instance: TaskInstanceRecord, run?: RunRecord): Promise<void> {
    const controller = new AbortController();
    this.executing.set(instance.id, controller);
    try {
      const completion = await this.attempt(instance, controller.signal, run);
      const result = await this.complete(completion);
      if (!result) return;
      if (result.runBecameFinal && result.run) this.options.waiters.finished(result.run);
      if (completion.status === 'Pending' && completion.dueAt) this.options.onDueAt(completion.dueAt);
      if (result.wokeCount > 0) this.options.onQueuedWork();
      if (result.successors.length === 0) return;
      if (completion.claimSuccessorsUntil !== null) {
        // Responsive runs continue in this process at once, without a trip through the queue.
        for (const successor of result.successors) void this.execute(successor, result.run);
      } else {
        this.options.onQueuedWork();
      }
    } catch (error) {
      this.options.logError(`task instance ${instance.id} could not be executed`, error);
    } finally {
      this.executing.delete(instance.id);
    }
  }

  private async attempt(instance: TaskInstanceRecord, signal: AbortSignal, known?: RunRecord): Promise<TaskCompletion> {
    const { store, versions, now } = this.options;
    const run = known?.id === instance.runId ? known : await store.getRun(instance.runId);
    const version = await versions.get(instance.versionId);
    const task = version?.tasks.get(instance.taskId);
    const base = { instanceId: instance.id, runId: instance.runId, nodeId: this.options.nodeId, log: null };
    const ends = { successors: [], claimSuccessorsUntil: null };
    if (!run || !version || !task) {
      const message = `Task ${instance.taskId} of version ${instance.versionId} cannot be found.`;
      return {
        ...base,
        ...ends,
        now: now(),
        status: 'Error',
        dataOut: instance.dataIn,
        error: { errorClass: 'WorkflowError::Internal', message, details: null },
        isUnhandledError: true,
      };
    }
    if (run.status === 'Stopping' || run.status === 'Stopped') {
      return { ...base, ...ends, now: now(), status: 'Stopped', dataOut: instance.dataIn };
    }
    const data = instance.dataIn ?? initialData(run);
    const logLines: string[] = [];
    const context: TaskContext = {
      prepared: task.prepared,
      task: task.definition,
      data,
      scope: {
        Data: data,
        WorkflowInstance: workflowInstanceScope(run),
        TaskInstance: { id: instance.id, name: instance.name, attempt: instance.attempt },
      },
      state: instance.state,
      attempt: instance.attempt,
      iterationsDone: instance.iterationsDone,
      idempotencyKey: `${run.id}:${instance.id}:${instance.attempt}`,
      runId: run.id,
      taskInstanceId: instance.id,
      signal,
      now,
      fetch: this.options.fetch,
      log: (line) => logLines.push(line),
      mail: this.options.mail,
      workflows: this.options.subRuns(run, instance),
    };
    let outcome: TaskOutcome;
    try {
      outcome = await task.type.execute(context);
    } catch (error) {
      // A task type that throws has a bug; the run still gets an answer.
      this.options.logError(`task type ${task.type.actionType} threw`, error);
      outcome = { kind: 'error', errorClass: 'WorkflowError::Internal', message: 'The task failed unexpectedly.' };
    }
    const log = logLines.length > 0 ? `${logLines.join('\n')}\n` : null;
    const completedAt = now();
    if (signal.aborted) return { ...base, ...ends, now: completedAt, log, status: 'Stopped', dataOut: data };
    const { outcome: checked, json } = checkSize(outcome);
    const fields = this.completionOf(checked, instance, data, run, version);
    return {
      ...base,
      now: completedAt,
      log,
      ...fields,
      scope: { iterationParentId: instance.iterationParentId, iterationIndex: instance.iterationIndex },
      mayHaveMerges: version.hasMerge,
      ...(json !== undefined ? { dataOutJson: json } : {}),
    };
  }

  private completionOf(
    outcome: TaskOutcome,
    instance: TaskInstanceRecord,
    data: JsonObject,
    run: RunRecord,
    version: CompiledVersion,
  ): CompletionFields {
    const claimSuccessorsUntil = run.mode === 'sync' ? this.options.now() + this.options.leaseMs : null;
    const scope = { iterationParentId: instance.iterationParentId, iterationIndex: instance.iterationIndex };
    const spec = (taskId: number, dataIn: JsonObject, branch = scope): NewTaskInstanceSpec => {
      const target = version.tasks.get(taskId);
      const actionType = target?.definition.action_type ?? 'Unknown';
      return {
        taskId,
        name: target?.definition.name ?? String(taskId),
        actionType,
        previousId: instance.id,
        dataIn,
        ...branch,
        isMergeArrival: actionType === 'Logic::Merge',
      };
    };
    switch (outcome.kind) {
      case 'success': {
        const targets = version.graph.targets(instance.taskId, outcome.hook ?? 'Success');
        return {
          status: 'Success',
          dataOut: outcome.data,
          ...(outcome.response ? { response: outcome.response } : {}),
          successors: targets.map((id) => spec(id, outcome.data)),
          claimSuccessorsUntil,
        };
      }
      case 'wait':
        return {
          status: 'Pending',
          dataOut: outcome.data ?? data,
          dueAt: outcome.dueAt,
          waitingOn: outcome.waitingOn ?? (outcome.isRetry ? 'retry' : 'delay'),
          state: outcome.state,
          isRetry: outcome.isRetry,
          successors: [],
          claimSuccessorsUntil: null,
        };
      case 'fan-out': {
        const targets = version.graph.targets(instance.taskId, outcome.hook);
        const successors = outcome.branches.flatMap((branchData, i) =>
          targets.map((id) =>
            spec(id, branchData, { iterationParentId: instance.id, iterationIndex: outcome.firstIndex + i }),
          ),
        );
        return {
          status: 'Pending',
          dataOut: data,
          dueAt: null,
          waitingOn: 'iterations',
          iterationsDoneSeen: instance.iterationsDone,
          state: outcome.state,
          successors,
          claimSuccessorsUntil,
        };
      }
      case 'error': {
        const dataOut = outcome.data ?? data;
        const targets = version.graph.targets(instance.taskId, 'Failure');
        const branchData = failureData(dataOut, {
          instanceId: instance.id,
          errorClass: outcome.errorClass,
          message: outcome.message,
        });
        return {
          status: 'Error',
          dataOut,
          error: { errorClass: outcome.errorClass, message: outcome.message, details: outcome.details ?? null },
          isUnhandledError: targets.length === 0,
          successors: targets.map((id) => spec(id, branchData)),
          claimSuccessorsUntil,
        };
      }
    }
  }

  private async complete(completion: TaskCompletion) {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.options.store.completeTaskInstance(completion);
        return result.applied ? result : undefined;
      } catch (error) {
        if (attempt >= COMPLETION_ATTEMPTS) throw error;
        this.options.logError(`recording task instance ${completion.instanceId} failed; retrying`, error);
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    }
  }
}

/**
 * Turns a success whose `Data` is over the limit into a task error; otherwise hands back the
 * serialized `Data` so the store does not serialize it a second time.
 */
function checkSize(outcome: TaskOutcome): { outcome: TaskOutcome; json?: string } {
  if (outcome.kind !== 'success') return { outcome };
  const json = JSON.stringify(outcome.data);
  // Characters bound bytes from below (UTF-8); only count bytes when the cheap bound is near the limit.
  const bytes = json.length * 3 < MAX_DATA_BYTES ? json.length : Buffer.byteLength(json);
  if (bytes <= MAX_DATA_BYTES) return { outcome, json };
  return {
    outcome: {
      kind: 'error',
      errorClass: 'WorkflowError::DataTooLarge',
      message: `The task's Data is ${(bytes / 1048576).toFixed(1)} MiB; at most 5 MiB is allowed.`,
    },
  };
}
