import crypto from 'node:crypto';
import type { JsonObject, RunRecord } from '../model/records.js';
import { isFinalRunStatus } from '../model/statuses.js';
import type { Priority } from '../model/workflow-document.js';
import type { Store } from '../store/store.js';
import type { ScheduledRunResult } from '../store/store-versions-schedules.js';
import type { MailSender } from '../tasks/task-type.js';
import { subRunStarter } from './sub-runs.js';
import { ClaimLoop } from './claim-loop.js';
import type { CompiledVersion } from './compiled-version.js';
import { RunWaiters } from './run-waiters.js';
import { TaskExecutor } from './task-executor.js';
import { VersionCache } from './version-cache.js';

export interface EngineOptions {
  store: Store;
  /** Task instances executed at once from the queue. */
  workerConcurrency: number;
  /** How long a claim holds a task instance without renewal; default 60 s. */
  leaseMs?: number;
  /** Injectable clock (epoch ms). */
  now?: () => number;
  /** HTTP client for callouts. */
  fetch?: typeof fetch;
  /** Mail for the Email task; null when no SMTP server is configured. */
  mail?: MailSender | null;
  logError: (message: string, error: unknown) => void;
}

/** A request to start a run of a version. */
export interface StartRunRequest {
  version: CompiledVersion;
  priority: Priority;
  inputs: JsonObject;
  runUser: string;
  idempotencyKey: string | null;
  /** Whether the workflow has a run limit: a run ending then frees a slot queued runs may wait for. */
  hasRunLimit?: boolean;
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

/**
 * The engine: starts runs (committed before anyone is answered), executes task instances from the
 * queue and, for responsive runs, in the receiving process at once; recovers abandoned work at start.
 */
export class Engine {
  readonly nodeId = `node-${crypto.randomUUID()}`;
  readonly versions: VersionCache;
  private readonly store: Store;
  private readonly waiters = new RunWaiters();
  private readonly executor: TaskExecutor;
  private readonly loop: ClaimLoop;
  private readonly now: () => number;
  private readonly leaseMs: number;

  constructor(private readonly options: EngineOptions) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.versions = new VersionCache(options.store);
    this.executor = new TaskExecutor({
      store: options.store,
      versions: this.versions,
      waiters: this.waiters,
      nodeId: this.nodeId,
      leaseMs: this.leaseMs,
      now: this.now,
      fetch: options.fetch ?? fetch,
      mail: options.mail ?? null,
      subRuns: (run, instance) =>
        subRunStarter(
          { store: options.store, versions: this.versions, now: this.now, onQueuedWork: () => this.loop.wake() },
          run,
          instance,
        ),
      logError: options.logError,
      onQueuedWork: () => this.loop.wake(),
      onDueAt: (dueAt) => this.loop.wakeAt(dueAt),
    });
    this.loop = new ClaimLoop({
      store: options.store,
      executor: this.executor,
      nodeId: this.nodeId,
      concurrency: options.workerConcurrency,
      leaseMs: this.leaseMs,
      now: this.now,
      logError: options.logError,
    });
  }

  /** Re-queues work left by a process that died, then starts claiming. Due delays fire from here. */
  async start(): Promise<{ recovered: number }> {
    const recovered = await this.store.recoverAbandoned(this.nodeId, this.now());
    this.loop.start();
    return { recovered };
  }

  /** Stops claiming; running task instances get `graceMs` to finish, the rest are recovered at next start. */
  async stop(graceMs = 5000): Promise<void> {
    await this.loop.stop(graceMs);
    const left = this.executor.executingIds();
    if (left.length > 0) await this.store.releaseTaskInstances(this.nodeId, left, this.now());
  }

  /** Standard mode: commits a `Queued` run and wakes the queue. */
  async startRun(request: StartRunRequest): Promise<{ run: RunRecord; created: boolean }> {
    const { run, created } = await this.store.createRun(this.newRun(request, 'standard', null));
    if (created) this.loop.wake();
    return { run, created };
  }

  /**
   * Responsive mode: commits the run with its first task instances claimed by this process and
   * executes them at once. `outcome` resolves with the final run, or `undefined` after `timeoutMs`
   * (the run goes on; it is no longer waited for).
   */
  async startSyncRun(
    request: StartRunRequest,
    timeoutMs: number,
  ): Promise<{ run: RunRecord; created: boolean; outcome: Promise<RunRecord | undefined> }> {
    const at = this.now();
    const input = this.newRun(request, 'sync', { nodeId: this.nodeId, leaseUntil: at + this.leaseMs });
    // One group commit for a quick run: its first task runs while the run's INSERT waits in the batch,
    // and its completion lands in the same commit or the next; nothing is answered before both are durable.
    const begun = this.store.beginRun?.(input);
    const { run, instances, created } = begun ? { ...begun, created: true } : await this.store.createRun(input);
    if (!created) return { run, created, outcome: this.waitForRun(run.id, timeoutMs) };
    const outcome = this.waiters.wait(run.id, timeoutMs);
    for (const instance of instances) void this.executor.execute(instance, run);
    if (begun) await begun.committed;
    // A responsive run holds a slot of its workflow's run limit and of its tasks' limits: when it
    // ends, queued work held back by them may go. Without limits there is nothing to wake for (and
    // waking would put a claim on the hot path of every responsive run).
    if (request.hasRunLimit === true || request.version.hasTaskLimits) {
      void outcome.then(
        () => this.loop.wake(),
        () => this.loop.wake(),
      );
    }
    return { run, created, outcome };
  }

  /**
   * Starts (or skips, by the skip rule) the run of a scheduled instant, exactly once per workflow and
   * instant whatever the number of schedulers: the store's unique row decides.
   */
  async startScheduledRun(request: ScheduledRunStart): Promise<ScheduledRunResult> {
    const result = await this.store.startScheduledRun({
      run: this.newRun({ ...request, idempotencyKey: null }, 'standard', null),
      scheduledAt: request.scheduledAt,
      firedBy: this.nodeId,
      isActiveRunCheckOn: request.isActiveRunCheckOn,
      skipReason: request.skipReason,
    });
    if (result.outcome === 'started') this.loop.wake();
    return result;
  }

  /** Runs of a workflow in flight (its `concurrent_run_limit` counts these). */
  countActiveRuns(workflowId: number): Promise<number> {
    return this.store.countActiveRuns(workflowId);
  }

  /** Resolves with the run once it is final (at once if it already is), or `undefined` after `timeoutMs`. */
  async waitForRun(runId: number, timeoutMs: number): Promise<RunRecord | undefined> {
    const waiting = this.waiters.wait(runId, timeoutMs);
    const run = await this.store.getRun(runId);
    if (run && isFinalRunStatus(run.status)) {
      this.waiters.finished(run);
      return run;
    }
    return waiting;
  }

  /** Reruns a final task instance with its recorded input `Data`; the graph continues from it. */
  async rerunTaskInstance(id: number) {
    const instance = await this.store.rerunTaskInstance(id, this.now());
    if (instance) this.loop.wake();
    return instance;
  }

  /** Records an approval decision; the Approval task instance then runs and fires `Approve` or `Reject`. */
  async decideApproval(id: number, decision: { action: 'Approve' | 'Reject'; comment: string }): Promise<boolean> {
    const isDecided = await this.store.decideApproval(id, decision, this.now());
    if (isDecided) this.loop.wake();
    return isDecided;
  }

  /** Stops one waiting task instance (`Queued` or `Pending`); its run goes on as if it had ended. */
  async stopTaskInstance(id: number): Promise<boolean> {
    const result = await this.store.stopTaskInstance(id, this.now());
    if (!result) return false;
    if (result.runBecameFinal) this.waiters.finished(result.run);
    if (result.wokeCount > 0) this.loop.wake();
    return true;
  }

  /** Stops a run: no new task starts, running ones are abandoned; it ends `Stopped`. */
  async stopRun(runId: number): Promise<RunRecord | undefined> {
    const stopped = await this.store.stopRun(runId, this.now());
    if (!stopped) return undefined;
    this.executor.abort(stopped.executingIds);
    if (isFinalRunStatus(stopped.run.status)) {
      this.waiters.finished(stopped.run);
      // Its slot of the workflow's run limit is free.
      this.loop.wake();
    }
    return stopped.run;
  }

  private newRun(
    request: StartRunRequest,
    mode: 'standard' | 'sync',
    claimFor: { nodeId: string; leaseUntil: number } | null,
  ) {
    return {
      workflowId: request.version.workflowId,
      versionId: request.version.versionId,
      mode,
      priority: request.priority,
      inputs: request.inputs,
      runUser: request.runUser,
      idempotencyKey: request.idempotencyKey,
      idempotencyWindowMs: IDEMPOTENCY_WINDOW_MS,
      entryTasks: request.version.graph.entryTaskIds.map((taskId) => {
        const task = request.version.tasks.get(taskId);
        return {
          taskId,
          name: task?.definition.name ?? String(taskId),
          actionType: task?.definition.action_type ?? 'Unknown',
          previousId: null,
          dataIn: null,
        };
      }),
      claimFor,
      now: this.now(),
    };
  }
}
