import crypto from 'node:crypto';
import type { JsonObject, JsonValue, RunRecord, RunState } from '../model/records.js';
import { isFinalRunStatus } from '../model/statuses.js';
import type { Priority } from '../model/workflow-document.js';
import type { NewRun, Store } from '../store/store.js';
import type { ScheduledRunResult } from '../store/store-versions-schedules.js';
import type { MailSender } from '../tasks/task-type.js';
import { ClaimLoop } from './claim-loop.js';
import { initialHeld } from './data-writes.js';
import type { CompiledVersion } from './compiled-version.js';
import { DEFAULT_LEASE_MS, DEFAULT_SWEEP_INTERVAL_MS, LeaseKeeper } from './leases.js';
import * as actions from './run-actions.js';
import { RunWaiters } from './run-waiters.js';
import { subRunStarter } from './sub-runs.js';
import { TaskExecutor } from './task-executor.js';
import { VersionCache } from './version-cache.js';

export interface EngineOptions {
  store: Store;
  /** Task instances executed at once from the queue. */
  workerConcurrency: number;
  /** How long a claim holds a task instance without renewal; default 60 s. */
  leaseMs?: number;
  /** How often expired leases are swept; default 10 s. */
  leaseSweepIntervalMs?: number;
  /** Injectable clock (epoch ms). */
  now?: () => number;
  /** HTTP client for callouts. */
  fetch?: typeof fetch;
  /** Mail for the Email task; null when no SMTP server is configured. */
  mail?: MailSender | null;
  logError: (message: string, error: unknown) => void;
  logInfo?: (message: string, fields: Record<string, unknown>) => void;
  /** The `GlobalConstants` Liquid scope (secrets opened), cached by its owner. */
  globalConstants?: () => Promise<Record<string, JsonValue>>;
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
 * queue and, for responsive runs, in the receiving process at once; keeps and sweeps leases. It talks
 * to other nodes only through the store's notifier.
 */
export class Engine {
  readonly nodeId = `node-${crypto.randomUUID()}`;
  readonly versions: VersionCache;
  readonly waiters: RunWaiters;
  private readonly store: Store;
  private readonly executor: TaskExecutor;
  private readonly loop: ClaimLoop;
  private readonly leases: LeaseKeeper;
  private readonly now: () => number;
  private readonly leaseMs: number;

  constructor(private readonly options: EngineOptions) {
    const { store } = options;
    this.store = store;
    this.now = options.now ?? Date.now;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.versions = new VersionCache(store.catalog, store.notifier);
    this.waiters = new RunWaiters(store.queue, store.notifier, options.logError);
    this.executor = new TaskExecutor({
      queue: store.queue,
      notifier: store.notifier,
      versions: this.versions,
      nodeId: this.nodeId,
      leaseMs: this.leaseMs,
      now: this.now,
      fetch: options.fetch ?? fetch,
      mail: options.mail ?? null,
      subRuns: (run, instance) =>
        subRunStarter({ store, notifier: store.notifier, versions: this.versions, now: this.now }, run, instance),
      logError: options.logError,
      onDueAt: (dueAt) => this.loop.wakeAt(dueAt),
      ...(options.globalConstants ? { globalConstants: options.globalConstants } : {}),
    });
    this.loop = new ClaimLoop({
      queue: store.queue,
      notifier: store.notifier,
      executor: this.executor,
      nodeId: this.nodeId,
      concurrency: options.workerConcurrency,
      leaseMs: this.leaseMs,
      now: this.now,
      logError: options.logError,
    });
    this.leases = new LeaseKeeper({
      queue: store.queue,
      notifier: store.notifier,
      nodeId: this.nodeId,
      leaseMs: this.leaseMs,
      sweepIntervalMs: options.leaseSweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS,
      now: this.now,
      executingIds: () => this.executor.executingIds(),
      onLost: (ids) => this.executor.abandon(ids, 'This node lost the lease of the task instance.'),
      onRenewed: (ids, leaseUntil) => this.executor.leaseRenewed(ids, leaseUntil),
      logError: options.logError,
      logInfo: options.logInfo ?? (() => undefined),
    });
  }

  /**
   * Takes back work left by nodes that are gone, then starts claiming and keeping leases. On a store
   * one server owns (SQLite), whatever another node holds is dead now; elsewhere only expired leases are.
   */
  async start(): Promise<{ recovered: number }> {
    const { queue } = this.store;
    const at = this.now();
    const recovered = this.store.isExclusive
      ? await queue.requeueHeldByOthers(this.nodeId, at)
      : await queue.requeueExpiredLeases(at);
    this.leases.start();
    this.loop.start();
    return { recovered };
  }

  /** Stops claiming new work at once; what runs goes on (see `stop`). */
  stopClaiming(): void {
    this.loop.stopClaiming();
  }

  /**
   * Stops claiming; running task instances get `graceMs` to finish; the rest are aborted (an in-flight
   * callout is cancelled) and released to the queue, so they run again once, elsewhere or after restart.
   */
  async stop(graceMs = 5000): Promise<{ released: number }> {
    await this.loop.stop(graceMs);
    const left = this.executor.executingIds();
    this.executor.abandon(left, 'The node is shutting down.');
    this.leases.stop();
    const released = left.length > 0 ? await this.store.queue.releaseTaskInstances(this.nodeId, left, this.now()) : 0;
    return { released };
  }

  /** Task instances this node executes now. */
  get executingCount(): number {
    return this.executor.executingIds().length;
  }

  /** Standard mode: commits a `Queued` run and tells the claimers. */
  async startRun(request: StartRunRequest): Promise<{ run: RunRecord; created: boolean }> {
    const { run, created } = await this.store.queue.createRun(this.newRun(request, 'standard', null));
    if (created) this.store.notifier.publish({ kind: 'new-work' });
    return { run, created };
  }

  /**
   * Responsive mode: commits the run with its first task instances held by this node and executes
   * them at once. `outcome` resolves with the final run, or `undefined` after `timeoutMs` (the run goes
   * on; it is no longer waited for).
   */
  async startSyncRun(
    request: StartRunRequest,
    timeoutMs: number,
  ): Promise<{ run: RunRecord; created: boolean; outcome: Promise<RunState | undefined> }> {
    const at = this.now();
    const input = this.newRun(request, 'sync', { nodeId: this.nodeId, leaseUntil: at + this.leaseMs });
    const inputsJson = input.inputsJson ?? JSON.stringify(input.inputs);
    // One group commit for a quick run: a first task without side effects runs while the run's INSERT
    // waits in the batch, and its completion lands in the same commit or the next; a task with side
    // effects waits for the commit (docs/architecture.md). Nothing is answered before both are durable.
    const begun = this.store.queue.beginRun?.(input);
    const { run, instances, created } = begun ? { ...begun, created: true } : await this.store.queue.createRun(input);
    if (!created) return { run, created, outcome: this.waitForRun(run.id, timeoutMs) };
    const outcome = this.waiters.wait(run.id, timeoutMs);
    const committed = begun?.committed;
    // Its first tasks start from the initial Data made here, its size bounded by the inputs' JSON, not
    // serialized again: the Workflow block adds at most a few hundred bytes besides the run user.
    const dataIn = initialHeld(run, Buffer.byteLength(inputsJson) + 3 * (run.runUser.length + 200));
    for (const instance of instances)
      void this.executor.execute(instance, { run, dataIn, ...(committed ? { committed } : {}) });
    if (committed) await committed;
    // A responsive run holds a slot of its workflow's run limit and of its tasks' limits: when it
    // ends, queued work held back by them may go. Without limits there is nothing to wake for (and
    // waking would put a claim on the hot path of every responsive run).
    if (request.hasRunLimit === true || request.version.hasTaskLimits) {
      const wake = (): void => this.store.notifier.publish({ kind: 'new-work' });
      void outcome.then(wake, wake);
    }
    return { run, created, outcome };
  }

  /**
   * Starts (or skips, by the skip rule) the run of a scheduled instant, exactly once per workflow and
   * instant whatever the number of schedulers: the store's unique row decides.
   */
  async startScheduledRun(request: ScheduledRunStart): Promise<ScheduledRunResult> {
    const result = await this.store.queue.startScheduledRun({
      run: this.newRun({ ...request, idempotencyKey: null }, 'standard', null),
      scheduledAt: request.scheduledAt,
      firedBy: this.nodeId,
      isActiveRunCheckOn: request.isActiveRunCheckOn,
      skipReason: request.skipReason,
    });
    if (result.outcome === 'started') this.store.notifier.publish({ kind: 'new-work' });
    return result;
  }

  /** Runs of a workflow in flight (its `concurrent_run_limit` counts these). */
  countActiveRuns(workflowId: number): Promise<number> {
    return this.store.reads.countActiveRuns(workflowId);
  }

  /** Resolves with the run once it is final (at once if it already is), or `undefined` after `timeoutMs`. */
  async waitForRun(runId: number, timeoutMs: number): Promise<RunState | undefined> {
    const waiting = this.waiters.wait(runId, timeoutMs);
    const run = await this.store.queue.getRunState(runId);
    if (run && isFinalRunStatus(run.status)) {
      this.waiters.finished(run);
      return run;
    }
    return waiting;
  }

  /** Reruns a final task instance with its recorded input `Data`; the graph continues from it. */
  async rerunTaskInstance(id: number) {
    let instance;
    try {
      instance = await this.store.queue.transaction((tx) => actions.rerunTaskInstance(tx, id, this.now()));
    } catch (error) {
      // A lost race is an answer (refused), not a failure; the transaction was rolled back.
      if (error instanceof actions.RerunRaceError) return undefined;
      throw error;
    }
    if (instance) this.store.notifier.publish({ kind: 'new-work' });
    return instance;
  }

  /** Records an approval decision; the Approval task instance then runs and fires `Approve` or `Reject`. */
  async decideApproval(id: number, decision: { action: 'Approve' | 'Reject'; comment: string }): Promise<boolean> {
    const isDecided = await this.store.queue.transaction((tx) => actions.decideApproval(tx, id, decision, this.now()));
    if (isDecided) this.store.notifier.publish({ kind: 'new-work' });
    return isDecided;
  }

  /** Stops one waiting task instance (`Queued` or `Pending`); its run goes on as if it had ended. */
  async stopTaskInstance(id: number): Promise<boolean> {
    const result = await this.store.queue.transaction((tx) => actions.stopTaskInstance(tx, id, this.now()));
    if (!result) return false;
    if (result.runBecameFinal)
      this.store.notifier.publish({ kind: 'run-finished', runId: result.run.id, run: result.run });
    if (result.wokeCount > 0) this.store.notifier.publish({ kind: 'new-work' });
    return true;
  }

  /** Stops a run: no new task starts, running ones are aborted wherever they run; it ends `Stopped`. */
  async stopRun(runId: number): Promise<RunState | undefined> {
    const stopped = await this.store.queue.transaction((tx) => actions.stopRun(tx, runId, this.now()));
    if (!stopped) return undefined;
    if (!stopped.isChanged) return stopped.run;
    const { notifier } = this.store;
    if (stopped.executingIds.length > 0) notifier.publish({ kind: 'stop-requested', runId });
    if (isFinalRunStatus(stopped.run.status)) {
      notifier.publish({ kind: 'run-finished', runId, run: stopped.run });
      // Its slot of the workflow's run limit is free; a caller waiting on it as a sub-run may go on.
      notifier.publish({ kind: 'new-work' });
    }
    return stopped.run;
  }

  private newRun(
    request: StartRunRequest,
    mode: 'standard' | 'sync',
    claimFor: { nodeId: string; leaseUntil: number } | null,
  ): NewRun {
    return {
      workflowId: request.version.workflowId,
      versionId: request.version.versionId,
      mode,
      priority: request.priority,
      inputs: request.inputs,
      // Serialized once here: the store writes it, responsive runs size their initial Data by it.
      inputsJson: JSON.stringify(request.inputs),
      runUser: request.runUser,
      idempotencyKey: request.idempotencyKey,
      idempotencyWindowMs: IDEMPOTENCY_WINDOW_MS,
      entryTasks: request.version.graph.entryTaskIds.map((taskId) => {
        const task = request.version.tasks.get(taskId);
        return {
          taskId,
          name: task?.definition.name ?? String(taskId),
          actionType: task?.definition.action_type ?? 'Unknown',
        };
      }),
      claimFor,
      now: this.now(),
    };
  }
}
