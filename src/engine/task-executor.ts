import type { JsonObject, JsonValue, RunRecord, TaskInstanceRecord } from '../model/records.js';
import type { Notifier } from '../store/notifier.js';
import type { QueueStore } from '../store/queue-store.js';
import type { RunReadModel } from '../store/store.js';
import type { MailSender, SubRunStarter, TaskContext, TaskOutcome } from '../tasks/task-type.js';
import type { CompiledVersion } from './compiled-version.js';
import { NO_OBSERVER, type EngineObserver, type ObservedAttempt, type TraceParent } from './engine-observer.js';
import { completeTaskInstance, type CompletionResult, type SuccessorSpec, type TaskCompletion } from './progression.js';
import { checkSize } from './data-size.js';
import { failureData, initialData, workflowInstanceScope } from './run-data.js';
import type { VersionCache } from './version-cache.js';

/** What the executor needs from around it. */
export interface TaskExecutorOptions {
  queue: QueueStore;
  reads: Pick<RunReadModel, 'getRun'>;
  notifier: Notifier;
  versions: VersionCache;
  nodeId: string;
  leaseMs: number;
  now: () => number;
  fetch: typeof fetch;
  mail: MailSender | null;
  /** Sub-runs started on behalf of one task instance of one run (`parent`: the attempt's trace, if traced). */
  subRuns: (run: RunRecord, instance: TaskInstanceRecord, parent: TraceParent | undefined) => SubRunStarter;
  logError: (message: string, error: unknown) => void;
  /** The tenant's `GlobalConstants` scope (secrets opened), cached by its owner; absent: none. */
  globalConstants?: () => Promise<Record<string, JsonValue>>;
  /** Told of every attempt (metrics, logs, traces); default none. */
  observer?: EngineObserver;
}

/** A failed completion write is retried after 100 ms, doubling up to this, until the lease ends. */
const MAX_COMPLETION_BACKOFF_MS = 5_000;

type CompletionFields = Omit<TaskCompletion, 'instanceId' | 'runId' | 'nodeId' | 'now' | 'log' | 'scope'>;

/** One execution in this process: how to abort it, its run, and until when it is held; what the observer sees. */
interface Execution extends ObservedAttempt {
  controller: AbortController;
  runId: number;
  leaseUntil: number;
  /** Set when this node gave the instance up (lease lost, shutdown): its outcome is not written. */
  isAbandoned: boolean;
  /** Set once the observer was told the attempt ended. */
  isEnded: boolean;
  /** Settles when the execution has left `executing` (its attempt returned, aborted or not). */
  done: Promise<void>;
}

/** How an execution may start. */
export interface ExecuteOptions {
  /** The run, when the caller has just read or written it (saves a read on the hot path). */
  run?: RunRecord;
  /**
   * Settles when the run's INSERT is durable (the one-commit responsive path). A task with side
   * effects waits for it; when it rejects, nothing is executed: the run does not exist.
   */
  committed?: Promise<void>;
}

/**
 * Runs claimed task instances: one attempt each, then records the outcome, its successors and the
 * run's new status in one queue transaction (`engine/progression.ts`). Invariant: every instance handed
 * to `execute` is completed, stopped, or left `Processing` under a lease that will expire (only when
 * the store keeps failing, or the lease was lost) before it leaves `executing`.
 */
export class TaskExecutor {
  private readonly executing = new Map<number, Execution>();
  private readonly observer: EngineObserver;
  /** False once the node shuts down: instances handed over after that are not started (see `execute`). */
  private isAccepting = true;
  /** Instances handed over after `stopAccepting`: still held by this node, to be released. */
  private readonly refused: number[] = [];
  /** Resolved when `executing` becomes empty. */
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: TaskExecutorOptions) {
    this.observer = options.observer ?? NO_OBSERVER;
    options.notifier.subscribe((event) => {
      if (event.kind === 'stop-requested') this.abortRun(event.runId, 'The run was stopped.');
    });
  }

  /** Ids of the task instances running in this process (their leases are renewed). */
  executingIds(): number[] {
    return [...this.executing.keys()];
  }

  /**
   * Gives up running task instances (their lease was lost, or the node stops): their attempts are
   * aborted (an in-flight callout is cancelled) and their outcome is not written; whoever holds them
   * next runs them again.
   */
  abandon(ids: readonly number[], reason: string): void {
    for (const id of ids) {
      const execution = this.executing.get(id);
      if (!execution) continue;
      execution.isAbandoned = true;
      execution.controller.abort(new Error(reason));
    }
  }

  /** Aborts the task instances of a run being stopped: they end `Stopped`. */
  abortRun(runId: number, reason: string): void {
    for (const execution of this.executing.values()) {
      if (execution.runId === runId) execution.controller.abort(new Error(reason));
    }
  }

  /**
   * Shutdown: starts nothing more. An instance handed over from now on (the next task of a responsive
   * run, whose predecessor just completed) is not executed but kept for `takeRefused`, so the caller
   * releases it to the queue with the rest. Executions under way go on.
   */
  stopAccepting(): void {
    this.isAccepting = false;
  }

  /** The instances refused since `stopAccepting`, once each. */
  takeRefused(): number[] {
    return this.refused.splice(0);
  }

  /** Resolves when nothing is executing, or after `timeoutMs`; true when nothing is. */
  async idle(timeoutMs: number): Promise<boolean> {
    if (this.executing.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const isIdle = await Promise.race([
      new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true))),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return isIdle;
  }

  /** Resolves when the executions of `ids` have ended (after an abort, say), or after `timeoutMs`. */
  async settled(ids: readonly number[], timeoutMs: number): Promise<void> {
    const pending = ids.flatMap((id) => {
      const execution = this.executing.get(id);
      return execution ? [execution.done] : [];
    });
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(pending),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Records that the lease of an executing instance was extended. */
  leaseRenewed(ids: readonly number[], leaseUntil: number): void {
    for (const id of ids) {
      const execution = this.executing.get(id);
      if (execution) execution.leaseUntil = leaseUntil;
    }
  }

  /** Executes one claimed task instance. Never throws; failures become task errors or are logged. */
  async execute(instance: TaskInstanceRecord, options: ExecuteOptions = {}): Promise<void> {
    if (!this.isAccepting) {
      this.refused.push(instance.id);
      return;
    }
    const controller = new AbortController();
    let markDone = (): void => undefined;
    const execution: Execution = {
      controller,
      runId: instance.runId,
      leaseUntil: this.options.now() + this.options.leaseMs,
      isAbandoned: false,
      isEnded: false,
      instance,
      run: options.run?.id === instance.runId ? options.run : undefined,
      executionSeconds: null,
      recorded: undefined,
      trace: undefined,
      done: new Promise<void>((resolve) => {
        markDone = resolve;
      }),
    };
    // This node claimed it again after its own lease lapsed (renewals failed): the earlier execution
    // lost it and must not write its outcome; both would pass the owner fence.
    this.abandon([instance.id], 'The lease of the task instance lapsed; it was claimed again.');
    this.executing.set(instance.id, execution);
    try {
      execution.trace = this.observer.taskStarted(execution);
      const completion = await this.attempt(execution, options);
      if (!completion || execution.isAbandoned) return;
      const result = await this.complete(completion, execution);
      if (!result) return;
      execution.recorded = completion;
      // Before the run's end is announced: the attempt's log line and span come first.
      this.ended(execution);
      this.announce(completion, result);
    } catch (error) {
      this.options.logError(`task instance ${instance.id} could not be executed`, error);
    } finally {
      if (this.executing.get(instance.id) === execution) this.executing.delete(instance.id);
      this.ended(execution);
      markDone();
      if (this.executing.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private ended(execution: Execution): void {
    if (execution.isEnded) return;
    execution.isEnded = true;
    this.observer.taskEnded(execution);
  }

  /** Tells the nodes what the completion changed, and continues a responsive run in this process. */
  private announce(completion: TaskCompletion, result: CompletionResult): void {
    const { notifier } = this.options;
    if (result.runBecameFinal && result.run) {
      this.observer.runFinished(result.run);
      notifier.publish({ kind: 'run-finished', runId: result.run.id, run: result.run });
    }
    // Whichever node is free then runs it: every claim loop sets a timer.
    if (completion.status === 'Pending' && completion.dueAt)
      notifier.publish({ kind: 'work-due', at: completion.dueAt });
    const isHeld = completion.claimSuccessorsUntil !== null;
    if (result.wokeCount > 0 || (result.successors.length > 0 && !isHeld)) notifier.publish({ kind: 'new-work' });
    // Responsive runs continue in this process at once, without a trip through the queue.
    if (isHeld)
      for (const successor of result.successors)
        void this.execute(successor, { ...(result.run ? { run: result.run } : {}) });
  }

  private async attempt(execution: Execution, options: ExecuteOptions): Promise<TaskCompletion | undefined> {
    const { reads, versions, now } = this.options;
    const { instance } = execution;
    const { signal } = execution.controller;
    const run = execution.run ?? (await reads.getRun(instance.runId));
    execution.run = run;
    const version = await versions.get(instance.versionId);
    const task = version?.tasks.get(instance.taskId);
    const scope = { iterationParentId: instance.iterationParentId, iterationIndex: instance.iterationIndex };
    const base = { instanceId: instance.id, runId: instance.runId, nodeId: this.options.nodeId, log: null, scope };
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
    // No side effect for a run that is not durable: such a task waits for the run's commit.
    if (options.committed && task.type.hasSideEffects !== false) {
      try {
        await options.committed;
      } catch {
        return undefined;
      }
    }
    const data = instance.dataIn ?? initialData(run);
    const globalConstants = this.options.globalConstants ? await this.options.globalConstants() : undefined;
    const logLines: string[] = [];
    const context: TaskContext = {
      prepared: task.prepared,
      task: task.definition,
      data,
      scope: {
        Data: data,
        WorkflowInstance: workflowInstanceScope(run),
        TaskInstance: { id: instance.id, name: instance.name, attempt: instance.attempt },
        ...(globalConstants ? { GlobalConstants: globalConstants } : {}),
      },
      state: instance.state,
      attempt: instance.attempt,
      iterationsDone: instance.iterationsDone,
      idempotencyKey: `${run.id}:${instance.id}:${instance.attempt}`,
      runId: run.id,
      taskInstanceId: instance.id,
      signal,
      now,
      fetch: execution.trace ? execution.trace.wrapFetch(this.options.fetch) : this.options.fetch,
      log: (line) => logLines.push(line),
      mail: this.options.mail,
      workflows: this.options.subRuns(run, instance, execution.trace?.parent),
    };
    let outcome: TaskOutcome;
    const started = performance.now();
    try {
      outcome = await task.type.execute(context);
    } catch (error) {
      // A task type that throws has a bug; the run still gets an answer.
      this.options.logError(`task type ${task.type.actionType} threw`, error);
      outcome = { kind: 'error', errorClass: 'WorkflowError::Internal', message: 'The task failed unexpectedly.' };
    }
    execution.executionSeconds = (performance.now() - started) / 1000;
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
    const spec = (taskId: number, dataIn: JsonObject, branch = scope): SuccessorSpec => {
      const target = version.tasks.get(taskId);
      const actionType = target?.definition.action_type ?? 'Unknown';
      return {
        taskId,
        name: target?.definition.name ?? String(taskId),
        actionType,
        previousId: instance.id,
        dataIn,
        scope: branch,
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

  /**
   * Writes the outcome. A write that fails is retried with back-off while this node still holds the
   * lease; past it, the instance belongs to the sweeper (it will run again elsewhere), so this node
   * gives up. Undefined when the outcome was not ours to write (lease lost, run stopped).
   */
  private async complete(completion: TaskCompletion, execution: Execution): Promise<CompletionResult | undefined> {
    const { queue, now } = this.options;
    for (let backoff = 100; ; backoff = Math.min(MAX_COMPLETION_BACKOFF_MS, backoff * 2)) {
      try {
        const result = await queue.transaction((tx) => completeTaskInstance(tx, completion));
        return result.applied ? result : undefined;
      } catch (error) {
        if (now() + backoff >= execution.leaseUntil) {
          this.options.logError(
            `recording task instance ${completion.instanceId} failed; its lease ends, the sweeper re-queues it`,
            error,
          );
          return undefined;
        }
        this.options.logError(
          `recording task instance ${completion.instanceId} failed; retrying in ${backoff} ms`,
          error,
        );
        await new Promise((resolve) => setTimeout(resolve, backoff));
      }
    }
  }
}
