import crypto from 'node:crypto';
import os from 'node:os';
import type { JsonValue, RunRecord, RunState } from '../model/records.js';
import { isFinalRunStatus } from '../model/statuses.js';
import type { NewRun, Store } from '../store/store.js';
import type { ScheduledRunResult } from '../store/store-versions-schedules.js';
import type { MailSender } from '../tasks/task-type.js';
import { ClaimLoop } from './claim-loop.js';
import { initialHeld } from './data-writes.js';
import { NO_OBSERVER, type EngineObserver } from './engine-observer.js';
import { DEFAULT_LEASE_MS, DEFAULT_SWEEP_INTERVAL_MS, LeaseKeeper } from './leases.js';
import { DEFAULT_HEARTBEAT_MS, DEFAULT_NODE_TIMEOUT_MS, NodePresence } from './node-presence.js';
import type { RerunOptions } from './run-actions.js';
import { checkRepeat, newRunOf, type ScheduledRunStart, type StartRunRequest } from './new-run.js';
import { RunControl } from './run-control.js';
import { RunDrafts } from './run-draft.js';
import { RunWaiters } from './run-waiters.js';
import { subRunStarter } from './sub-runs.js';
import { TaskExecutor } from './task-executor.js';
import { testTask, type TaskTestRequest, type TaskTestResult } from './task-testing.js';
import { VersionCache } from './version-cache.js';

export interface EngineOptions {
  store: Store;
  /** This node's id in the registry and on what it holds; default `node-<random UUID>`. */
  nodeId?: string;
  /** Task instances executed at once from the queue. */
  workerConcurrency: number;
  /** How long a claim holds a task instance without renewal; default 60 s. */
  leaseMs?: number;
  /** How often expired leases are swept; default 10 s. */
  leaseSweepIntervalMs?: number;
  /** How often this node heartbeats in the registry; default 5 s. */
  heartbeatMs?: number;
  /** A node silent this long is declared gone and its work taken over; default 30 s. */
  nodeTimeoutMs?: number;
  /** What the registry shows of this node: Weir's version (host and pid are the process's). */
  version?: string;
  /** Injectable clock (epoch ms). */
  now?: () => number;
  /** HTTP client for callouts. */
  fetch?: typeof fetch;
  /** Mail for the Email task; null when no SMTP server is configured. */
  mail?: MailSender | null;
  logError: (message: string, error: unknown) => void;
  logInfo?: (message: string, fields: Record<string, unknown>) => void;
  logWarn?: (message: string, fields: Record<string, unknown>) => void;
  /** The `GlobalConstants` Liquid scope (secrets opened), cached by its owner. */
  globalConstants?: () => Promise<Record<string, JsonValue>>;
  /** Told of runs and task instances as they start and end (metrics, logs, traces); default none. */
  observer?: EngineObserver;
}

/** A new node id: unique per process start, so a restarted node is a new node. */
export function newNodeId(): string {
  return `node-${crypto.randomUUID()}`;
}

/**
 * The engine: starts runs (committed before anyone is answered), executes task instances from the
 * queue and, for responsive runs, in the receiving process at once; keeps and sweeps leases. It talks
 * to other nodes only through the store's notifier.
 */
export class Engine {
  readonly nodeId: string;
  readonly versions: VersionCache;
  readonly waiters: RunWaiters;
  private readonly store: Store;
  private readonly executor: TaskExecutor;
  private readonly loop: ClaimLoop;
  private readonly leases: LeaseKeeper;
  private readonly presence: NodePresence;
  private readonly now: () => number;
  private readonly leaseMs: number;
  private readonly observer: EngineObserver;
  private readonly control: RunControl;
  private readonly drafts: RunDrafts;

  constructor(private readonly options: EngineOptions) {
    const { store } = options;
    this.nodeId = options.nodeId ?? newNodeId();
    const observer = options.observer ?? NO_OBSERVER;
    this.observer = observer;
    this.store = store;
    this.now = options.now ?? Date.now;
    this.control = new RunControl(store, observer, this.now);
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.drafts = new RunDrafts({ queue: store.queue, notifier: store.notifier, leaseMs: this.leaseMs, now: this.now });
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
      subRuns: (run, instance, parent) =>
        subRunStarter(
          {
            store,
            notifier: store.notifier,
            versions: this.versions,
            now: this.now,
            onStarted: (child) => observer.runStarted(child, 'sub_run', parent),
          },
          run,
          instance,
        ),
      logError: options.logError,
      observer,
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
      observer,
    });
    const logWarn = options.logWarn ?? (() => undefined);
    this.presence = new NodePresence({
      nodes: store.nodes,
      nodeId: this.nodeId,
      host: os.hostname(),
      pid: process.pid,
      version: options.version ?? 'unknown',
      heartbeatMs: options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      now: this.now,
      // Only what the store has was re-queued by the others: runs still in memory here go on.
      onDeclaredGone: () =>
        this.executor.abandon(this.executor.storedIds(), 'This node was declared gone; its work was re-queued.'),
      logError: options.logError,
      logWarn,
    });
    this.leases = new LeaseKeeper({
      queue: store.queue,
      nodes: store.nodes,
      nodeTimeoutMs: options.nodeTimeoutMs ?? DEFAULT_NODE_TIMEOUT_MS,
      notifier: store.notifier,
      nodeId: this.nodeId,
      leaseMs: this.leaseMs,
      sweepIntervalMs: options.leaseSweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS,
      now: this.now,
      executingIds: () => this.executor.storedIds(),
      onLost: (ids) => this.executor.abandon(ids, 'This node lost the lease of the task instance.'),
      onRenewed: (ids, leaseUntil) => this.executor.leaseRenewed(ids, leaseUntil),
      logError: options.logError,
      logInfo: options.logInfo ?? (() => undefined),
      logWarn,
    });
  }

  /**
   * Announces this node in the registry, takes back work left by nodes that are gone, then starts
   * claiming and keeping leases. On a store one server owns (SQLite), whatever another node holds is
   * dead now; elsewhere the sweep takes what silent nodes held and what is past its lease.
   */
  async start(): Promise<{ recovered: number }> {
    const { queue } = this.store;
    await this.presence.start();
    const recovered = this.store.isExclusive
      ? await queue.requeueHeldByOthers(this.nodeId, this.now())
      : await this.leases.sweep();
    this.leases.start();
    this.loop.start();
    return { recovered };
  }

  /** Stops claiming new work at once; what runs goes on (see `stop`). */
  stopClaiming(): void {
    this.loop.stopClaiming();
  }

  /**
   * Shutdown, step 2: waits up to `graceMs` for the task instances executing here to finish (the next
   * tasks of a responsive run go on in this process meanwhile: its caller waits for the answer).
   * True when nothing is left executing.
   */
  drain(graceMs: number): Promise<boolean> {
    return this.executor.idle(graceMs);
  }

  /**
   * Shutdown, step 3: starts nothing more; aborts what still executes (an in-flight callout is
   * cancelled, so the request is not left half-done while another node runs it again), waits up to
   * `settleMs` for those attempts to end, and releases them, with any instance handed over meanwhile,
   * to the queue: they run again once, on another node or after the restart. Then stops the leases.
   */
  async abortAndRelease(settleMs = 2_000): Promise<{ aborted: number; released: number }> {
    this.executor.stopAccepting();
    const left = this.executor.executingIds();
    this.executor.abandon(left, 'The node is shutting down.');
    await this.executor.settled(left, settleMs);
    // What runs only in memory is written first: held by this node, it is released with the rest.
    await this.drafts.writeAll();
    const ids = [...new Set([...left, ...this.executor.takeRefused()])];
    this.leases.stop();
    const released = ids.length > 0 ? await this.store.queue.releaseTaskInstances(this.nodeId, ids, this.now()) : 0;
    // Nothing is held any more: the registry shows a clean stop (the others need not sweep after it).
    await this.presence.stop();
    return { aborted: left.length, released };
  }

  /**
   * Stops claiming; running task instances get `graceMs` to finish; the rest are aborted and released
   * (`abortAndRelease`). What `weir serve`'s shutdown does in steps, at once.
   */
  async stop(graceMs = 5000): Promise<{ released: number }> {
    this.stopClaiming();
    await this.drain(graceMs);
    const { released } = await this.abortAndRelease();
    return { released };
  }

  /** Task instances this node executes now. */
  get executingCount(): number {
    return this.executor.executingIds().length;
  }

  /** Standard mode: commits a `Queued` run and tells the claimers. */
  async startRun(request: StartRunRequest): Promise<{ run: RunRecord; created: boolean }> {
    const { run, created } = await this.store.queue.createRun(this.newRun(request, 'standard', null));
    if (created) {
      this.observer.runStarted(run, 'standard', request.trace);
      this.store.notifier.publish({ kind: 'new-work' });
    } else {
      checkRepeat(run, request);
    }
    return { run, created };
  }

  /**
   * Responsive mode: the run, with its first task instances held by this node, executed here at once.
   * Where the store can (`draftRun`), it is kept in memory and written once, when it must exist
   * (`run-draft.ts`); elsewhere it is committed first. `outcome` resolves with the final run, or
   * `undefined` after `timeoutMs` (the run goes on, stored; it is no longer waited for); it rejects when
   * the run could not be stored. Nobody is answered about a run before it is stored.
   */
  async startSyncRun(
    request: StartRunRequest,
    timeoutMs: number,
  ): Promise<{ run: RunRecord; created: boolean; outcome: Promise<RunState | undefined> }> {
    const heldBy = { nodeId: this.nodeId, leaseUntil: this.now() + this.leaseMs };
    const input = this.newRun(request, 'sync', heldBy);
    const inputsJson = input.inputsJson ?? JSON.stringify(input.inputs);
    // Limits count runs and task instances in the store: a run that holds a slot of its workflow's run
    // limit or of its tasks' limits must be there from the start, so such runs are not drafted.
    const isLimited = request.hasRunLimit === true || request.version.hasTaskLimits;
    const drafted = isLimited ? undefined : await this.store.queue.draftRun?.(input);
    const draft = drafted ? this.drafts.create(drafted, heldBy) : undefined;
    const { run, instances, created } = drafted
      ? { ...drafted, created: true }
      : await this.store.queue.createRun(input);
    if (!created) {
      checkRepeat(run, request);
      return { run, created, outcome: this.waitForRun(run.id, timeoutMs) };
    }
    // Before its first task starts: its span is their parent.
    this.observer.runStarted(run, 'sync', request.trace);
    const waited = this.waiters.wait(run.id, timeoutMs);
    const outcome = draft ? this.drafts.outcome(draft, waited) : waited;
    // Its first tasks start from the initial Data made here, its size bounded by the inputs' JSON, not
    // serialized again: the Workflow block adds at most a few hundred bytes besides the run user.
    const dataIn = initialHeld(run, Buffer.byteLength(inputsJson) + 3 * (run.runUser.length + 200));
    for (const instance of instances)
      void this.executor.execute(instance, { run, dataIn, ...(draft ? { draft } : {}) });
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
    if (result.outcome === 'started') {
      this.observer.runStarted(result.run, 'scheduled', undefined);
      this.store.notifier.publish({ kind: 'new-work' });
    }
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

  /** Reruns a final task instance with its recorded input `Data` (or `options.data`, edited). */
  rerunTaskInstance(id: number, options: RerunOptions = {}) {
    return this.control.rerunTaskInstance(id, options);
  }

  /**
   * Tests one task with sample `Data` outside any run ("Test this task"): executed as a run would
   * execute it (same fetch and egress policy, mail, sandbox, templates, `GlobalConstants`), nothing stored.
   */
  testTask(request: TaskTestRequest): Promise<TaskTestResult> {
    const { store } = this;
    return testTask(
      {
        now: this.now,
        fetch: this.options.fetch ?? fetch,
        mail: this.options.mail ?? null,
        ...(this.options.globalConstants ? { globalConstants: this.options.globalConstants } : {}),
        // Never attached to a waiting task instance: the id is never used.
        subRuns: (caller) =>
          subRunStarter({ store, notifier: store.notifier, versions: this.versions, now: this.now }, caller, { id: 0 }),
        waitForRun: (runId, timeoutMs) => this.waitForRun(runId, timeoutMs),
      },
      request,
    );
  }

  /** Records an approval decision; the Approval task instance then runs and fires `Approve` or `Reject`. */
  decideApproval(id: number, decision: { action: 'Approve' | 'Reject'; comment: string }): Promise<boolean> {
    return this.control.decideApproval(id, decision);
  }

  /** Stops one waiting task instance (`Queued` or `Pending`); its run goes on as if it had ended. */
  stopTaskInstance(id: number): Promise<boolean> {
    return this.control.stopTaskInstance(id);
  }

  /** Stops a run: no new task starts, running ones are aborted wherever they run; it ends `Stopped`. */
  stopRun(runId: number): Promise<RunState | undefined> {
    return this.control.stopRun(runId);
  }

  private newRun(
    request: StartRunRequest,
    mode: 'standard' | 'sync',
    claimFor: { nodeId: string; leaseUntil: number } | null,
  ): NewRun {
    return newRunOf(request, { mode, claimFor, now: this.now() });
  }
}
