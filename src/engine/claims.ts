import type { RunState, TaskInstanceRecord } from '../model/records.js';
import type { ClaimRequest, QueueTransaction } from '../store/queue-store.js';
import { runsStart } from './transitions.js';

/**
 * Claims due work for one node, inside one queue transaction: first `Pending` instances whose due time
 * has come, then `Queued` ones, highest priority first, then oldest, within the limits:
 * - a task's `concurrent_limit`: no more of its instances `Processing` at once (anywhere) than that;
 * - a workflow's `concurrent_run_limit`: a run that has not started yet (`Queued`) starts only while
 *   fewer of the workflow's runs are in flight (`Processing`, `Pending`, `Stopping`).
 * Candidates are read in order, page by page; a task or workflow found full is left out of the next
 * pages and of the rest of this page, so one full task never blocks the others behind it. A page's
 * accepted candidates are claimed in one statement, and the runs of all that is claimed move to
 * `Processing` in one more: a claim costs a few statements, not two per instance.
 */
export async function claimTaskInstances(tx: QueueTransaction, request: ClaimRequest): Promise<TaskInstanceRecord[]> {
  return (await claimWork(tx, request)).map((work) => work.instance);
}

/** A claimed task instance, with its run when the claim started it (the executor need not read it again). */
export interface ClaimedWork {
  instance: TaskInstanceRecord;
  run: RunState | undefined;
}

/** `claimTaskInstances`, keeping the runs the claim moved to `Processing` as it wrote them. */
export async function claimWork(tx: QueueTransaction, request: ClaimRequest): Promise<ClaimedWork[]> {
  const claimed = await tx.claimDue(request);
  if (claimed.length < request.limit) {
    claimed.push(...(await claimQueued(tx, { ...request, limit: request.limit - claimed.length })));
  }
  if (claimed.length === 0) return [];
  // A run already Processing (a second instance of it claimed) is not moved, and not returned.
  const runIds = [...new Set(claimed.map((instance) => instance.runId))].sort((a, b) => a - b);
  const started = new Map((await tx.startRuns(runsStart(runIds, request.now))).map((run) => [run.id, run]));
  return claimed.map((instance) => ({ instance, run: started.get(instance.runId) }));
}

async function claimQueued(tx: QueueTransaction, request: ClaimRequest): Promise<TaskInstanceRecord[]> {
  const claimed: TaskInstanceRecord[] = [];
  const fullTasks = new Set<number>();
  const fullWorkflows = new Set<number>();
  // In-flight counts, read once per claim and kept up to date as this claim takes instances.
  const taskProcessing = new Map<number, number>();
  const workflowActive = new Map<number, number>();
  const startingRuns = new Set<number>();
  let after = { priorityRank: -1, id: 0 };
  while (claimed.length < request.limit) {
    const page = await tx.queuedCandidates({
      after,
      excludedTaskIds: [...fullTasks],
      excludedWorkflowIds: [...fullWorkflows],
      limit: request.limit - claimed.length,
    });
    if (page.length === 0) break;
    // Counted as taken when accepted: one another claimer takes meanwhile (PostgreSQL's candidates are
    // locked, so only by a bug) only makes this claim take less than it could.
    const accepted: number[] = [];
    for (const candidate of page) {
      after = { priorityRank: candidate.priorityRank, id: candidate.id };
      if (fullTasks.has(candidate.taskId)) continue;
      const needsRunSlot = candidate.runStatus === 'Queued' && !startingRuns.has(candidate.runId);
      if (needsRunSlot && fullWorkflows.has(candidate.workflowId)) continue;
      if (candidate.taskLimit !== null) {
        const running = await countOnce(taskProcessing, candidate.taskId, (id) => tx.countProcessingOfTask(id));
        if (running >= candidate.taskLimit) {
          fullTasks.add(candidate.taskId);
          continue;
        }
      }
      if (needsRunSlot && candidate.runLimit !== null) {
        const active = await countOnce(workflowActive, candidate.workflowId, (id) => tx.countActiveRuns(id));
        if (active >= candidate.runLimit) {
          fullWorkflows.add(candidate.workflowId);
          continue;
        }
      }
      accepted.push(candidate.id);
      if (candidate.taskLimit !== null) {
        taskProcessing.set(candidate.taskId, (taskProcessing.get(candidate.taskId) ?? 0) + 1);
      }
      if (needsRunSlot) {
        startingRuns.add(candidate.runId);
        workflowActive.set(candidate.workflowId, (workflowActive.get(candidate.workflowId) ?? 0) + 1);
      }
    }
    if (accepted.length > 0) claimed.push(...(await tx.claimQueued(accepted, request)));
  }
  return claimed;
}

async function countOnce(
  cache: Map<number, number>,
  key: number,
  read: (key: number) => Promise<number>,
): Promise<number> {
  let value = cache.get(key);
  if (value === undefined) {
    value = await read(key);
    cache.set(key, value);
  }
  return value;
}
