import type { RunState } from '../model/records.js';
import type { Notifier } from '../store/notifier.js';
import type { QueueStore } from '../store/queue-store.js';

/**
 * Requests waiting for runs to become final (responsive mode, and repeats of an idempotent trigger).
 * Woken by the notifier's `run-finished`, from whichever node finished the run, never by polling.
 */
export class RunWaiters {
  private readonly waiters = new Map<number, Set<(run: RunState | undefined) => void>>();
  private waiting = 0;

  constructor(
    private readonly runs: Pick<QueueStore, 'getRunState'>,
    notifier: Notifier,
    private readonly logError: (message: string, error: unknown) => void,
  ) {
    notifier.subscribe((event) => {
      if (event.kind === 'run-finished') this.onFinished(event.runId, event.run);
      if (event.kind === 'resync') this.recheckAll();
    });
  }

  /** How many runs are waited for. */
  get size(): number {
    return this.waiters.size;
  }

  /** How many requests are waiting (several may wait for one run: repeats of an idempotent trigger). */
  get waitingCount(): number {
    return this.waiting;
  }

  /** Resolves with the final run, or with `undefined` after `timeoutMs`. */
  wait(runId: number, timeoutMs: number): Promise<RunState | undefined> {
    return new Promise((resolve) => {
      const set = this.waiters.get(runId) ?? new Set();
      this.waiters.set(runId, set);
      this.waiting += 1;
      const done = (run: RunState | undefined): void => {
        clearTimeout(timer);
        if (set.delete(onFinal)) this.waiting -= 1;
        if (set.size === 0) this.waiters.delete(runId);
        resolve(run);
      };
      const onFinal = (run: RunState | undefined): void => done(run);
      const timer = setTimeout(() => done(undefined), timeoutMs);
      set.add(onFinal);
    });
  }

  /**
   * Shutdown: answers every waiting request as if its wait had timed out (the responsive 408: the run
   * goes on in standard mode, on another node or after the restart).
   */
  releaseAll(): number {
    let released = 0;
    for (const set of [...this.waiters.values()]) {
      for (const release of [...set]) {
        released += 1;
        release(undefined);
      }
    }
    return released;
  }

  /** Wakes everyone waiting on this run. */
  finished(run: RunState): void {
    const set = this.waiters.get(run.id);
    if (!set) return;
    for (const onFinal of [...set]) onFinal(run);
  }

  private onFinished(runId: number, run: RunState | undefined): void {
    if (!this.waiters.has(runId)) return;
    if (run) {
      this.finished(run);
      return;
    }
    this.runs.getRunState(runId).then(
      (read) => read && this.finished(read),
      (error: unknown) => this.logError(`reading finished run ${runId} failed`, error),
    );
  }

  /** After hints may have been lost: wakes the waiters of runs that became final meanwhile. */
  private recheckAll(): void {
    for (const runId of this.waiters.keys()) {
      this.runs.getRunState(runId).then(
        (run) => run && (run.status === 'Finished' || run.status === 'Stopped') && this.finished(run),
        (error: unknown) => this.logError(`reading run ${runId} failed`, error),
      );
    }
  }
}
