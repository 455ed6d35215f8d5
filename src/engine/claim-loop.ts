import type { Notifier } from '../store/notifier.js';
import type { QueueStore } from '../store/queue-store.js';
import { claimWork, type ClaimedWork } from './claims.js';
import type { EngineObserver } from './engine-observer.js';
import type { TaskExecutor } from './task-executor.js';

export interface ClaimLoopOptions {
  queue: QueueStore;
  notifier: Notifier;
  executor: TaskExecutor;
  nodeId: string;
  /** Task instances executed at once from the queue. */
  concurrency: number;
  leaseMs: number;
  now: () => number;
  logError: (message: string, error: unknown) => void;
  /** Told how long each claim took (`weir_claim_duration_seconds`). */
  observer?: Pick<EngineObserver, 'claimed'>;
}

/** Back-off after a failing claim: 100 ms doubling to 10 s, so a sick database is not hammered. */
const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 10_000;
/** The longest a timer is set for; Node's timers cap near 24.8 days anyway. */
const MAX_SLEEP_MS = 60 * 60 * 1000;

/**
 * The claim loop: takes due work from the store up to its free slots and hands it to the executor.
 * States: `idle` (waiting for a wake-up: new work, a due time, or a free slot), `claiming` (one claim
 * in flight; wake-ups meanwhile set `isWakeRequested` so none is lost), `stopped`.
 * It never polls: it is woken by the notifier's `new-work` (from any node) and `resync`, by a timer set
 * for the earliest due time (its own look-up after a claim, and `work-due` from any node), and by the
 * executor finishing (a slot frees up).
 * Invariant: every claimed task instance is handed to the executor, which completes, stops or
 * abandons it (to the lease sweeper) before it forgets it.
 */
export class ClaimLoop {
  private state: 'idle' | 'claiming' | 'stopped' = 'idle';
  private isWakeRequested = false;
  /** A claim is due on the next turn of the event loop (`wake`). */
  private isClaimScheduled = false;
  private running = 0;
  /** Of `running`, the executions whose outcome is being written: their slots are counted free. */
  private recording = 0;
  private dueTimer: NodeJS.Timeout | null = null;
  private dueTimerAt = Number.POSITIVE_INFINITY;
  private consecutiveErrors = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private unsubscribe: (() => void) | null = null;
  /**
   * Whether the next claim looks up the earliest due time in the store. Due times written from now on
   * come as `work-due` hints (from any node, this one included), so the look-up is needed only at start,
   * after a resync (hints may have been lost) and after a failed claim: not after every claim.
   */
  private isDueTimeUnknown = true;

  constructor(private readonly options: ClaimLoopOptions) {}

  start(): void {
    this.unsubscribe = this.options.notifier.subscribe((event) => {
      if (event.kind === 'new-work') this.wake();
      else if (event.kind === 'resync') {
        this.isDueTimeUnknown = true;
        this.wake();
      } else if (event.kind === 'work-due') this.wakeAt(event.at);
    });
    this.wake();
  }

  /** Stops claiming at once (a claim in flight still hands over what it got). */
  stopClaiming(): void {
    this.state = 'stopped';
    this.unsubscribe?.();
    if (this.dueTimer) clearTimeout(this.dueTimer);
  }

  /**
   * New work may be claimable now. The claim starts on the next turn of the event loop, not at once:
   * executions end in groups (their outcomes share one commit), and each frees a slot; claiming at the
   * first would take one instance per claim, a commit each. Deferred, one claim fills every slot freed.
   */
  wake(): void {
    if (this.state === 'stopped') return;
    if (this.state === 'claiming') {
      this.isWakeRequested = true;
      return;
    }
    if (this.isClaimScheduled) return;
    this.isClaimScheduled = true;
    setImmediate(() => {
      this.isClaimScheduled = false;
      if (this.state === 'idle') void this.claim();
      else if (this.state === 'claiming') this.isWakeRequested = true;
    });
  }

  /** Some task instance becomes due at `dueAt`: be awake then. */
  wakeAt(dueAt: number): void {
    if (this.state === 'stopped' || dueAt >= this.dueTimerAt) return;
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimerAt = dueAt;
    const delay = Math.min(MAX_SLEEP_MS, Math.max(0, dueAt - this.options.now()));
    this.dueTimer = setTimeout(() => {
      this.dueTimer = null;
      this.dueTimerAt = Number.POSITIVE_INFINITY;
      // The timer holds only the earliest due time heard of: the claim after it looks up the next one.
      this.isDueTimeUnknown = true;
      this.wake();
    }, delay);
  }

  private async claim(): Promise<void> {
    const free = this.options.concurrency - (this.running - this.recording);
    if (free <= 0) return;
    this.state = 'claiming';
    this.isWakeRequested = false;
    const { queue, nodeId, now, leaseMs } = this.options;
    let claimed = 0;
    try {
      const at = now();
      const request = { nodeId, limit: free, now: at, leaseUntil: at + leaseMs };
      const started = performance.now();
      const work = await queue.transaction((tx) => claimWork(tx, request));
      claimed = work.length;
      this.options.observer?.claimed(claimed, performance.now() - started);
      this.consecutiveErrors = 0;
      for (const item of work) this.run(item);
      if (this.isDueTimeUnknown && claimed < free && !this.isStopped()) {
        const nextDue = await queue.nextDueAt();
        this.isDueTimeUnknown = false;
        if (nextDue !== null) this.wakeAt(nextDue);
      }
    } catch (error) {
      this.consecutiveErrors += 1;
      this.isDueTimeUnknown = true;
      const backoff = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** (this.consecutiveErrors - 1));
      this.options.logError(`claiming failed (${this.consecutiveErrors} in a row); retrying in ${backoff} ms`, error);
      if (this.state === 'claiming') this.state = 'idle';
      this.wakeAt(now() + backoff);
      return;
    }
    if (this.state === 'claiming') this.state = 'idle';
    // A full claim means more may be waiting; a wake-up that arrived mid-claim must not be lost.
    if ((claimed === free && claimed > 0) || this.isWakeRequested) this.wake();
  }

  private isStopped(): boolean {
    return this.state === 'stopped';
  }

  /**
   * Hands one claimed instance to the executor. Where the store commits transactions in the order queued
   * (`isCommitShared`: SQLite), its slot counts as free from the moment its outcome is being written
   * (`onRecording`): the wake-up is then on the event loop's queue before the write batch's own (the
   * outcome is queued right after), so the claim for the freed slots runs after the outcomes and commits
   * with them: one commit per round of executions where there were two, each with its fsync. Until the
   * outcomes commit, the executions may number a little more than `concurrency` (more while an outcome's
   * failed write is retried). Elsewhere the claim could run beside the outcomes, not after them, and see
   * none of what they queue: the slot is freed when the execution ends.
   */
  private run({ instance, run }: ClaimedWork): void {
    this.running += 1;
    let isRecording = false;
    const onRecording = (): void => {
      isRecording = true;
      this.recording += 1;
      this.wake();
    };
    const options = {
      ...(run ? { run } : {}),
      ...(this.options.queue.isCommitShared ? { onRecording } : {}),
    };
    const execution = this.options.executor.execute(instance, options).finally(() => {
      this.running -= 1;
      if (isRecording) this.recording -= 1;
      this.inFlight.delete(execution);
      this.wake();
    });
    this.inFlight.add(execution);
  }
}
