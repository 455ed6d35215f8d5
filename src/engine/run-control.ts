import type { RunState } from '../model/records.js';
import { isFinalRunStatus } from '../model/statuses.js';
import type { Store } from '../store/store.js';
import type { EngineObserver } from './engine-observer.js';
import * as actions from './run-actions.js';

/**
 * What an operator does to runs (rerun, approve, stop), each in one queue transaction
 * (`run-actions.ts`), and what the other nodes must hear of it afterwards: new work, a run that ended,
 * a run to abort wherever it executes.
 */
export class RunControl {
  constructor(
    private readonly store: Store,
    private readonly observer: EngineObserver,
    private readonly now: () => number,
  ) {}

  /** Reruns a final task instance with its recorded input `Data` (or `options.data`, edited); the graph continues from it. */
  async rerunTaskInstance(id: number, options: actions.RerunOptions = {}) {
    let instance;
    try {
      instance = await this.store.queue.transaction((tx) => actions.rerunTaskInstance(tx, id, this.now(), options));
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
    if (result.runBecameFinal) {
      this.observer.runFinished(result.run);
      this.store.notifier.publish({ kind: 'run-finished', runId: result.run.id, run: result.run });
    }
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
      this.observer.runFinished(stopped.run);
      notifier.publish({ kind: 'run-finished', runId, run: stopped.run });
      // Its slot of the workflow's run limit is free; a caller waiting on it as a sub-run may go on.
      notifier.publish({ kind: 'new-work' });
    }
    return stopped.run;
  }
}
