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
  workflows: SubRunStarter;
  logError: (message: string, error: unknown) => void;
  /** New `Queued` work exists: wake the claim loop. */
  onQueuedWork: () => void;
  /** A task instance waits until `dueAt`: make sure the claim loop wakes then. */
  onDueAt: (dueAt: number) => void;
}

/** How often a failed completion write is retried before the instance is left to lease recovery. */
const COMPLETION_ATTEMPTS = 5;

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

  get executingCount(): number {
    return this.executing.size;
  }

  /** Abandons running task instances (a stopped run): they end `Stopped`. */
  abort(ids: readonly number[]): void {
    for (const id of ids) this.executing.get(id)?.abort(new Error('The run was stopped.'));
  }

  /** Executes one claimed task instance. Never throws; failures become task errors or are logged. */
  async execute(instance: TaskInstanceRecord): Promise<void> {
    const controller = new AbortController();
    this.executing.set(instance.id, controller);
    try {
      const completion = await this.attempt(instance, controller.signal);
      const result = await this.complete(completion);
      if (!result) return;
      if (result.runBecameFinal && result.run) this.options.waiters.finished(result.run);
      if (completion.status === 'Pending' && completion.dueAt) this.options.onDueAt(completion.dueAt);
      if (result.successors.length === 0) return;
      if (completion.claimSuccessorsUntil !== null) {
        // Responsive runs continue in this process at once, without a trip through the queue.
        for (const successor of result.successors) void this.execute(successor);
      } else {
        this.options.onQueuedWork();
      }
    } catch (error) {
      this.options.logError(`task instance ${instance.id} could not be executed`, error);
    } finally {
      this.executing.delete(instance.id);
    }
  }

  private async attempt(instance: TaskInstanceRecord, signal: AbortSignal): Promise<TaskCompletion> {
    const { store, versions, now } = this.options;
    const run = await store.getRun(instance.runId);
    const version = await versions.get(instance.versionId);
    const task = version?.tasks.get(instance.taskId);
    const base = {
      instanceId: instance.id,
      runId: instance.runId,
      nodeId: this.options.nodeId,
      successors: [] as NewTaskInstanceSpec[],
      claimSuccessorsUntil: null,
      log: null,
    };
    if (!run || !version || !task) {
      const message = `Task ${instance.taskId} of version ${instance.versionId} cannot be found.`;
      return {
        ...base,
        now: now(),
        status: 'Error',
        dataOut: instance.dataIn,
        error: { errorClass: 'WorkflowError::Internal', message, details: null },
        isUnhandledError: true,
      };
    }
    if (run.status === 'Stopping' || run.status === 'Stopped') {
      return { ...base, now: now(), status: 'Stopped', dataOut: instance.dataIn };
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
      idempotencyKey: `${run.id}:${instance.id}:${instance.attempt}`,
      runId: run.id,
      taskInstanceId: instance.id,
      signal,
      now,
      fetch: this.options.fetch,
      log: (line) => logLines.push(line),
      mail: this.options.mail,
      workflows: this.options.workflows,
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
    if (signal.aborted) return { ...base, now: completedAt, log, status: 'Stopped', dataOut: data };
    return { ...base, now: completedAt, log, ...this.completionOf(outcome, instance, data, run, version) };
  }

  private completionOf(
    outcome: TaskOutcome,
    instance: TaskInstanceRecord,
    data: JsonObject,
    run: RunRecord,
    version: CompiledVersion,
  ): Pick<
    TaskCompletion,
    | 'status'
    | 'dataOut'
    | 'dueAt'
    | 'state'
    | 'isRetry'
    | 'error'
    | 'isUnhandledError'
    | 'response'
    | 'successors'
    | 'claimSuccessorsUntil'
  > {
    const claimSuccessorsUntil = run.mode === 'sync' ? this.options.now() + this.options.leaseMs : null;
    const spec = (taskId: number, dataIn: JsonObject): NewTaskInstanceSpec => {
      const target = version.tasks.get(taskId);
      return {
        taskId,
        name: target?.definition.name ?? String(taskId),
        actionType: target?.definition.action_type ?? 'Unknown',
        previousId: instance.id,
        dataIn,
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
          state: outcome.state,
          isRetry: outcome.isRetry,
          successors: [],
          claimSuccessorsUntil: null,
        };
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
