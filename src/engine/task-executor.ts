import type { RunState, TaskInstanceRecord } from '../model/records.js';
import type { Notifier } from '../store/notifier.js';
import { DataLoader } from './data-loader.js';
import { NO_OBSERVER, type EngineObserver, type ObservedAttempt } from './engine-observer.js';
import { completeTaskInstance, type CompletionResult, type TaskCompletion } from './progression.js';
import { LazyAbort } from './lazy-abort.js';
import { DraftLostError, type RunDraft } from './run-draft.js';
import { attemptTask, type AttemptedExecution, type AttemptInputs, type AttemptServices } from './task-attempt.js';

/** What the executor needs from around it: what its attempts need, and the notifier. */
export interface TaskExecutorOptions extends AttemptServices {
  notifier: Notifier;
  /** Told of every attempt (metrics, logs, traces); default none. */
  observer?: EngineObserver;
}

/** A failed completion write is retried after 100 ms, doubling up to this, until the lease ends. */
const MAX_COMPLETION_BACKOFF_MS = 5_000;

/** One execution in this process: how to abort it, its run, and until when it is held; what the observer sees. */
interface Execution extends ObservedAttempt, AttemptedExecution {
  runId: number;
  leaseUntil: number;
  /** Set when this node gave the instance up (lease lost, shutdown): its outcome is not written. */
  isAbandoned: boolean;
  /** Set once the observer was told the attempt ended. */
  isEnded: boolean;
  /** Settles when the execution has left `executing` (its attempt returned, aborted or not). */
  done: Promise<void>;
  /** The run kept in memory it belongs to, while it is one (`run-draft.ts`). */
  draft: RunDraft | undefined;
}

/** How an execution may start. */
export interface ExecuteOptions extends AttemptInputs {
  /** The run, when the caller has just read or written it (saves a read on the hot path). */
  run?: RunState;
  /**
   * Called once, when the attempt is over and its outcome is about to be written: its slot is as good as
   * free. The claim loop claims for it then, so that the claim shares the outcome's commit.
   */
  onRecording?: () => void;
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
  private readonly data: DataLoader;

  constructor(private readonly options: TaskExecutorOptions) {
    this.observer = options.observer ?? NO_OBSERVER;
    this.data = new DataLoader(options.queue, { isCached: true });
    options.notifier.subscribe((event) => {
      if (event.kind === 'stop-requested') this.abortRun(event.runId, 'The run was stopped.');
    });
  }

  /** Ids of the task instances running in this process. */
  executingIds(): number[] {
    return [...this.executing.keys()];
  }

  /**
   * Ids of the task instances running here that the store has (their leases are renewed; a sweep may
   * take them): not those of runs still in memory, nor of runs whose write has not committed yet.
   */
  storedIds(): number[] {
    const ids: number[] = [];
    for (const [id, execution] of this.executing) if (!execution.draft || execution.draft.isStored) ids.push(id);
    return ids;
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
    const controller = new LazyAbort();
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
      draft: options.draft,
    };
    // This node claimed it again after its own lease lapsed (renewals failed): the earlier execution
    // lost it and must not write its outcome; both would pass the owner fence.
    this.abandon([instance.id], 'The lease of the task instance lapsed; it was claimed again.');
    this.executing.set(instance.id, execution);
    try {
      execution.trace = this.observer.taskStarted(execution);
      const attempted = await attemptTask(execution, options, this.options, this.data);
      if (!attempted || execution.isAbandoned) return;
      const { completion, out } = attempted;
      options.onRecording?.();
      const result = await this.complete(completion, execution);
      if (!result) return;
      execution.recorded = completion;
      // Queued successors (claimed later, most often here) start from its output Data, and an Iterate
      // reads it again at each wake-up; held successors were handed it already.
      const isHeld = completion.claimSuccessorsUntil !== null;
      if (out && result.successors.length > 0 && (!isHeld || completion.status === 'Pending')) {
        this.data.remember(completion.instanceId, out);
      }
      // Before the run's end is announced: the attempt's log line and span come first.
      this.ended(execution);
      this.announce(completion, result, execution.draft);
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
  private announce(completion: TaskCompletion, result: CompletionResult, draft: RunDraft | undefined): void {
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
        void this.execute(successor.instance, {
          ...(result.run ? { run: result.run } : {}),
          dataIn: successor.data,
          ...(draft ? { draft } : {}),
        });
  }

  /**
   * Writes the outcome. A write that fails is retried with back-off while this node still holds the
   * lease; past it, the instance belongs to the sweeper (it will run again elsewhere), so this node
   * gives up. Undefined when the outcome was not ours to write (lease lost, run stopped).
   */
  private async complete(completion: TaskCompletion, execution: Execution): Promise<CompletionResult | undefined> {
    const { queue, now } = this.options;
    const runner = execution.draft ?? queue;
    for (let backoff = 100; ; backoff = Math.min(MAX_COMPLETION_BACKOFF_MS, backoff * 2)) {
      try {
        const result = await runner.transaction((tx) => completeTaskInstance(tx, completion, { data: this.data }));
        return result.applied ? result : undefined;
      } catch (error) {
        // The run could not be stored: it does not exist (its caller was told), nothing is left to record.
        if (error instanceof DraftLostError) return undefined;
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
