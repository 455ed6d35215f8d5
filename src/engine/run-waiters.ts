import type { RunRecord } from '../model/records.js';

/**
 * Requests waiting for runs to become final (responsive mode). Woken by the completion that
 * finished the run, never by polling the database.
 */
export class RunWaiters {
  private readonly waiters = new Map<number, Set<(run: RunRecord) => void>>();

  /** Resolves with the final run, or with `undefined` after `timeoutMs`. */
  wait(runId: number, timeoutMs: number): Promise<RunRecord | undefined> {
    return new Promise((resolve) => {
      const set = this.waiters.get(runId) ?? new Set();
      this.waiters.set(runId, set);
      const done = (run: RunRecord | undefined): void => {
        clearTimeout(timer);
        set.delete(onFinal);
        if (set.size === 0) this.waiters.delete(runId);
        resolve(run);
      };
      const onFinal = (run: RunRecord): void => done(run);
      const timer = setTimeout(() => done(undefined), timeoutMs);
      set.add(onFinal);
    });
  }

  /** Wakes everyone waiting on this run. */
  finished(run: RunRecord): void {
    const set = this.waiters.get(run.id);
    if (!set) return;
    for (const onFinal of [...set]) onFinal(run);
  }
}
