import type { RunResponse, RunState, StoredDataIn, TaskInstanceRecord, WaitingOn } from '../model/records.js';
import type { RunResult } from '../model/statuses.js';
import type { RebuiltData } from './data-rebuild.js';
import { insertedInstance } from './planned-run.js';
import type {
  CandidateQuery,
  ClaimCandidate,
  ClaimRequest,
  DraftRows,
  NewTaskInstance,
  OutcomeWrite,
  QueueTransaction,
  RunStatusChange,
  Scope,
} from './queue-store.js';

/**
 * Thrown by a draft's transaction for a primitive it does not keep in memory (Iterate items, `Data`
 * reads, sub-runs, operator actions, claims): the draft is then written to the store and the work
 * done there (`engine/run-draft.ts`). Never seen outside the engine.
 */
export class NotInDraftError extends Error {
  constructor(primitive: string) {
    super(`${primitive} is not kept in a run draft`);
    this.name = 'NotInDraftError';
  }
}

interface DraftInstance {
  record: TaskInstanceRecord;
  heldBy: { nodeId: string; leaseUntil: number } | null;
}

const LIVE = new Set(['Queued', 'Processing', 'Pending']);

/**
 * One run and its task instances in memory, offering the queue's primitives as the SQL does (the same
 * compare-and-sets, counts and "first one wins" rules), so that `engine/progression.ts` moves a drafted
 * run exactly as it moves a stored one. Records are replaced, never changed in place: `snapshot` and
 * `restore` make a transaction all-or-nothing.
 */
export class DraftTransaction implements QueueTransaction {
  private run: RunState;
  private responseJson: string | null = null;
  private instances = new Map<number, DraftInstance>();

  constructor(
    run: RunState & { inputs?: unknown },
    entries: readonly TaskInstanceRecord[],
    heldBy: { nodeId: string; leaseUntil: number } | null,
    private readonly nextId: () => Promise<number>,
  ) {
    // The engine reads runs without their inputs (RunState): so does the draft.
    const { inputs: _inputs, ...state } = run;
    this.run = state;
    for (const record of entries) this.instances.set(record.id, { record, heldBy });
  }

  /** What `DraftRows` the draft is now. */
  rows(): DraftRows {
    return { run: this.run, responseJson: this.responseJson, instances: [...this.instances.values()] };
  }

  /** Whether any task instance is `Processing`: some execution in this process will move the run on. */
  hasProcessing(): boolean {
    for (const { record } of this.instances.values()) if (record.status === 'Processing') return true;
    return false;
  }

  /** Whether any task instance waits in the queue or is due (`Pending` with a due time): work for a claimer. */
  waitingWork(): { isDueNow: boolean; dueTimes: number[] } {
    let isDueNow = false;
    const dueTimes: number[] = [];
    for (const { record } of this.instances.values()) {
      if (record.status === 'Queued') isDueNow = true;
      if (record.status === 'Pending' && record.dueAt !== null) dueTimes.push(record.dueAt);
    }
    return { isDueNow, dueTimes };
  }

  snapshot(): { run: RunState; responseJson: string | null; instances: Map<number, DraftInstance> } {
    return { run: this.run, responseJson: this.responseJson, instances: new Map(this.instances) };
  }

  restore(saved: ReturnType<DraftTransaction['snapshot']>): void {
    this.run = saved.run;
    this.responseJson = saved.responseJson;
    this.instances = saved.instances;
  }

  async lockRun(runId: number): Promise<RunState | undefined> {
    if (runId !== this.run.id) throw new NotInDraftError('another run');
    return this.run;
  }

  async getTaskInstance(id: number): Promise<TaskInstanceRecord | undefined> {
    return this.instances.get(id)?.record;
  }

  async writeOutcome(outcome: OutcomeWrite): Promise<boolean> {
    const held = this.instances.get(outcome.id);
    if (!held || held.record.status !== 'Processing' || held.heldBy?.nodeId !== outcome.nodeId) return false;
    const { record } = held;
    const rebase = outcome.rebaseIn;
    const log = outcome.log === null ? record.log : (record.log ?? '') + outcome.log;
    this.replace(outcome.id, null, {
      ...record,
      status: outcome.status,
      storedData: {
        baseId: rebase ? rebase.baseId : record.storedData.baseId,
        inWhole: rebase ? rebase.inWhole : record.storedData.inWhole,
        inPatch: rebase ? rebase.inPatch : record.storedData.inPatch,
        outWhole: outcome.dataOut?.outWhole ?? null,
        outPatch: outcome.dataOut?.outPatch ?? null,
      },
      state: outcome.state,
      waitingOn: outcome.waitingOn,
      dueAt: outcome.dueAt,
      attempt: record.attempt + (outcome.isNextAttempt ? 1 : 0),
      error: outcome.error?.message ?? null,
      errorClass: outcome.error?.errorClass ?? null,
      errorDetails: outcome.error?.details ?? null,
      isUnhandledError: outcome.isUnhandledError,
      log,
      endedAt: outcome.endedAt,
      updatedAt: outcome.now,
    });
    return true;
  }

  async insertTaskInstance(instance: NewTaskInstance): Promise<TaskInstanceRecord> {
    const record = insertedInstance({ ...instance, id: instance.id ?? (await this.nextId()) });
    this.instances.set(record.id, { record, heldBy: instance.heldBy });
    return record;
  }

  async setDataIn(id: number, dataIn: StoredDataIn, now: number): Promise<void> {
    const held = this.instances.get(id);
    if (!held) return;
    const storedData = { ...held.record.storedData, ...dataIn };
    this.replace(id, held.heldBy, { ...held.record, storedData, updatedAt: now });
  }

  readData(): Promise<RebuiltData> {
    throw new NotInDraftError('readData');
  }

  insertIterationItems(): Promise<void> {
    throw new NotInDraftError('insertIterationItems');
  }

  async wake(id: number, now: number, waitingOn?: WaitingOn): Promise<boolean> {
    const held = this.instances.get(id);
    if (!held || held.record.status !== 'Pending') return false;
    if (waitingOn !== undefined && held.record.waitingOn !== waitingOn) return false;
    this.replace(id, held.heldBy, { ...held.record, dueAt: now, updatedAt: now });
    return true;
  }

  async countIterationDone(iterateId: number, now: number): Promise<boolean> {
    const held = this.instances.get(iterateId);
    if (!held) throw new NotInDraftError('countIterationDone');
    const isPending = held.record.status === 'Pending';
    this.replace(iterateId, held.heldBy, {
      ...held.record,
      iterationsDone: held.record.iterationsDone + 1,
      dueAt: isPending ? now : held.record.dueAt,
      updatedAt: now,
    });
    return isPending;
  }

  stopWaitingInstance(): Promise<TaskInstanceRecord | undefined> {
    throw new NotInDraftError('stopWaitingInstance');
  }

  stopWaitingInstancesOfRun(): Promise<number[]> {
    throw new NotInDraftError('stopWaitingInstancesOfRun');
  }

  markRerun(): Promise<boolean> {
    throw new NotInDraftError('markRerun');
  }

  recordApproval(): Promise<boolean> {
    throw new NotInDraftError('recordApproval');
  }

  async runCounts(): Promise<{ active: number; waiting: number }> {
    let active = 0;
    let waiting = 0;
    for (const { record } of this.instances.values()) {
      if (record.status === 'Queued' || record.status === 'Processing') active += 1;
      if (record.status === 'Pending') waiting += 1;
    }
    return { active, waiting };
  }

  async scopeCounts(_runId: number, scope: Scope): Promise<{ live: number; liveBesidesMerges: number }> {
    let live = 0;
    let liveBesidesMerges = 0;
    for (const record of this.inScope(scope)) {
      if (!LIVE.has(record.status)) continue;
      live += 1;
      if (record.waitingOn !== 'merge') liveBesidesMerges += 1;
    }
    return { live, liveBesidesMerges };
  }

  async findWaitingMerge(_runId: number, taskId: number, scope: Scope): Promise<TaskInstanceRecord | undefined> {
    for (const record of this.inScope(scope)) {
      if (record.taskId === taskId && record.status === 'Pending' && record.waitingOn === 'merge') return record;
    }
    return undefined;
  }

  async waitingMergeIds(_runId: number, scope: Scope): Promise<number[]> {
    const ids: number[] = [];
    for (const record of this.inScope(scope)) {
      if (record.status === 'Pending' && record.waitingOn === 'merge' && record.dueAt === null) ids.push(record.id);
    }
    return ids;
  }

  async iterationsDone(iterateId: number): Promise<number> {
    return this.instances.get(iterateId)?.record.iterationsDone ?? 0;
  }

  async countTaskInScope(_runId: number, taskId: number, scope: Scope): Promise<number> {
    let count = 0;
    for (const record of this.inScope(scope)) if (record.taskId === taskId) count += 1;
    return count;
  }

  hasFinalSubRun(): Promise<boolean> {
    throw new NotInDraftError('hasFinalSubRun');
  }

  async firstUnhandledError(): Promise<{ errorClass: string; message: string } | undefined> {
    let first: TaskInstanceRecord | undefined;
    for (const { record } of this.instances.values()) {
      if (record.isUnhandledError && record.rerunBy === null && (first === undefined || record.id < first.id)) {
        first = record;
      }
    }
    return first && { errorClass: first.errorClass ?? 'WorkflowError', message: first.error ?? '' };
  }

  async setRunError(_runId: number, errorClass: string, message: string): Promise<void> {
    this.run = {
      ...this.run,
      errorClass: this.run.errorClass ?? errorClass,
      errorMessage: this.run.errorMessage ?? message,
    };
  }

  async recordResponse(_runId: number, response: RunResponse, result: RunResult): Promise<boolean> {
    if (this.run.response !== null) return false;
    this.responseJson = JSON.stringify(response);
    this.run = { ...this.run, response, responseResult: result };
    return true;
  }

  async setRunStatus(change: RunStatusChange): Promise<RunState | undefined> {
    const run = this.run;
    if (!change.from.includes(run.status)) return undefined;
    const { finish, reopen, now } = change;
    let { response, responseResult } = run;
    if (finish && response === null && finish.response) {
      ({ value: response, result: responseResult } = finish.response);
      this.responseJson = JSON.stringify(response);
    } else if (finish && response === null && finish.responseJson !== null) {
      this.responseJson = finish.responseJson;
      response = JSON.parse(finish.responseJson) as RunResponse;
    }
    if (reopen) this.responseJson = null;
    this.run = {
      ...run,
      status: change.to,
      updatedAt: now,
      result: finish ? finish.result : reopen ? null : run.result,
      response: reopen ? null : response,
      responseResult: reopen ? null : responseResult,
      finishedAt: finish ? now : reopen ? null : run.finishedAt,
      errorClass: reopen ? (reopen.error?.errorClass ?? null) : run.errorClass,
      errorMessage: reopen ? (reopen.error?.message ?? null) : run.errorMessage,
    };
    return this.run;
  }

  claimDue(_claim: ClaimRequest): Promise<TaskInstanceRecord[]> {
    throw new NotInDraftError('claimDue');
  }

  queuedCandidates(_query: CandidateQuery): Promise<ClaimCandidate[]> {
    throw new NotInDraftError('queuedCandidates');
  }

  countProcessingOfTask(): Promise<number> {
    throw new NotInDraftError('countProcessingOfTask');
  }

  countActiveRuns(): Promise<number> {
    throw new NotInDraftError('countActiveRuns');
  }

  claimQueued(): Promise<TaskInstanceRecord[]> {
    throw new NotInDraftError('claimQueued');
  }

  startRuns(): Promise<RunState[]> {
    throw new NotInDraftError('startRuns');
  }

  private replace(id: number, heldBy: { nodeId: string; leaseUntil: number } | null, record: TaskInstanceRecord): void {
    this.instances.set(id, { record, heldBy });
  }

  /**
   * The instances of one scope, in id order. A single pass over the run (the loop guard asks at every
   * insert): the map keeps insertion order, and ids are handed out in increasing order.
   */
  private *inScope(scope: Scope): Generator<TaskInstanceRecord> {
    for (const { record } of this.instances.values()) {
      if (record.iterationParentId === scope.iterationParentId && record.iterationIndex === scope.iterationIndex) {
        yield record;
      }
    }
  }
}
