import type {
  JsonObject,
  RunRecord,
  RunResponse,
  RunState,
  StoredDataIn,
  StoredDataOut,
  TaskInstanceRecord,
  WaitingOn,
} from '../model/records.js';
import type { RunResult, RunStatus, TaskStatus } from '../model/statuses.js';
import type { RebuiltData } from './data-rebuild.js';
import type { NewRun } from './store-inputs.js';
import type { RetentionBatch, ScheduledRunRequest, ScheduledRunResult } from './store-versions-schedules.js';

/**
 * The engine's queue: runs and task instances as the engine moves them. The rules of how a run moves
 * on live in `engine/progression.ts`; this port offers only dialect-neutral primitives, which the
 * engine composes inside one `transaction`. Invariants every implementation keeps:
 * - every write that changes a status is a compare-and-set on (id, status[, owner]); a lost race is
 *   a value (`false`, `undefined`, `0`), never a throw;
 * - a task instance held past its lease belongs to nobody: `requeueExpiredLeases` takes it back, and
 *   the late owner's `writeOutcome` changes nothing;
 * - times are epoch milliseconds passed in by the caller (the engine's clock), never read inside SQL.
 */
export interface QueueStore {
  /**
   * True when the transactions queued in one turn of the event loop run one after another, in the order
   * queued, and share one commit (SQLite's group commit): one queued after another sees its writes and
   * commits with it. On PostgreSQL they may run in concurrent batches, each with its own commit.
   */
  readonly isCommitShared: boolean;

  /**
   * Runs `work` in one write transaction, committed before the promise resolves (rolled back when
   * `work` throws). `work` must only await the transaction's own primitives: on SQLite several
   * transactions share one group commit, on PostgreSQL it holds a connection.
   */
  transaction<T>(work: (tx: QueueTransaction) => Promise<T>): Promise<T>;

  /**
   * Commits a run and its entry task instances in one transaction. With an idempotency key seen for this
   * workflow within `idempotencyWindowMs`, commits nothing and returns the first run (`created: false`).
   */
  createRun(input: NewRun): Promise<{ run: RunRecord; instances: TaskInstanceRecord[]; created: boolean }>;
  /**
   * Optional fast path for responsive runs without an idempotency key: the run kept in memory by the
   * engine until it must be stored (`engine/run-draft.ts`), then written once as it is. Assigns the run's
   * id and number and its entry task instances' ids now, and writes nothing. Stores that cannot do this
   * omit it (or answer undefined).
   */
  draftRun?(input: NewRun): Promise<RunDraftStart | undefined>;

  /** Extends the leases of task instances `nodeId` still holds; returns the ids it no longer holds. */
  renewLeases(nodeId: string, ids: readonly number[], leaseUntil: number): Promise<number[]>;
  /** Puts task instances `nodeId` holds back in the queue (`Processing` → `Queued`), e.g. at shutdown. */
  releaseTaskInstances(nodeId: string, ids: readonly number[], now: number): Promise<number>;
  /** Re-queues `Processing` task instances whose lease ended before `now`; returns how many. */
  requeueExpiredLeases(now: number): Promise<number>;
  /**
   * Re-queues `Processing` task instances held by nodes the registry records as stopped (a node whose
   * heartbeat stopped, or one that shut down without releasing them); returns how many.
   */
  requeueHeldByStoppedNodes(now: number): Promise<number>;
  /**
   * Re-queues every `Processing` task instance not held by `nodeId`. Only for a store that one server
   * owns exclusively (SQLite, under its data-dir lock): at start, whatever another node holds is dead.
   */
  requeueHeldByOthers(nodeId: string, now: number): Promise<number>;
  /** The earliest due time among waiting task instances, or null. */
  nextDueAt(): Promise<number | null>;

  /**
   * Records the scheduled instant (insert-or-ignore on workflow and instant: the first caller owns it)
   * and, in the same transaction, skips it (skip rule) or creates its run.
   */
  startScheduledRun(input: ScheduledRunRequest): Promise<ScheduledRunResult>;
  /** A run without its inputs, as the engine reads it (`lockRun` outside a transaction). */
  getRunState(runId: number): Promise<RunState | undefined>;
  /**
   * The output `Data` of task instances, rebuilt from what the store keeps, with the runs' initial
   * `Data` their chains start from (records.ts `StoredData`), and that of `runIds`. Ids without a row or
   * an output are left out.
   */
  readData(ids: readonly number[], runIds?: readonly number[]): Promise<RebuiltData>;
  /** The JSON of items `from` to `from + count - 1` of an Iterate task instance (fewer past the end), in order. */
  iterationItems(iterateId: number, from: number, count: number): Promise<string[]>;

  /** Deletes up to `maxRows` rows of finished runs past their workflow's `delete_ttl` (one transaction). */
  deleteExpiredRuns(input: { now: number; maxRows: number }): Promise<RetentionBatch>;
  /** When the next finished run passes its workflow's `delete_ttl`, or null when none will. */
  nextRunExpiry(): Promise<number | null>;
}

/** A run drafted in memory (`QueueStore.draftRun`): its records as they start, and how to store them. */
export interface RunDraftStart {
  run: RunRecord;
  instances: TaskInstanceRecord[];
  /** An id for a task instance the draft adds later. */
  nextTaskInstanceId(): Promise<number>;
  /**
   * Inserts the run and its task instances as they are now, in one transaction (committed when the
   * promise resolves). Called at most once; after it, the run lives in the store like any other.
   */
  write(rows: DraftRows): Promise<void>;
}

/** What a drafted run is when it is written. */
export interface DraftRows {
  run: RunState;
  /** The run's answer as JSON (`run.response`, not serialized again), or null. */
  responseJson: string | null;
  instances: ReadonlyArray<{ record: TaskInstanceRecord; heldBy: { nodeId: string; leaseUntil: number } | null }>;
}

/** The For Each branch a task instance belongs to; both null outside any Iterate. */
export interface Scope {
  iterationParentId: number | null;
  iterationIndex: number | null;
}

/** The primitives one queue transaction offers. Reads see the transaction's own writes. */
export interface QueueTransaction {
  /** The run, locked against other transactions that lock it until this one ends (PostgreSQL). */
  lockRun(runId: number): Promise<RunState | undefined>;
  getTaskInstance(id: number): Promise<TaskInstanceRecord | undefined>;

  /**
   * The fenced compare-and-set of an attempt's outcome: applies only while the instance is
   * `Processing` and held by `nodeId`, and clears the hold. False when the hold was lost.
   */
  writeOutcome(outcome: OutcomeWrite): Promise<boolean>;
  /** Inserts a task instance; `id` from `allocateTaskId` or the store's sequence. */
  insertTaskInstance(instance: NewTaskInstance): Promise<TaskInstanceRecord>;
  /** Replaces a waiting instance's input `Data` (a Merge arrival). */
  setDataIn(id: number, dataIn: StoredDataIn, now: number): Promise<void>;
  /** `readData` inside the transaction (it sees the transaction's own writes). */
  readData(ids: readonly number[], runIds?: readonly number[]): Promise<RebuiltData>;
  /** Stores the items (their JSON, in order, indexed from 0) of an Iterate task instance, once. */
  insertIterationItems(iterateId: number, items: readonly string[]): Promise<void>;
  /** Makes a `Pending` instance due at `now` (optionally only while it waits on `waitingOn`). */
  wake(id: number, now: number, waitingOn?: WaitingOn): Promise<boolean>;
  /** One more ended branch of an Iterate; it is made due at `now` if it is waiting. */
  countIterationDone(iterateId: number, now: number): Promise<boolean>;
  /** Stops a waiting (`Queued` or `Pending`) instance; undefined when it was not waiting. */
  stopWaitingInstance(id: number, now: number): Promise<TaskInstanceRecord | undefined>;
  /** Stops every waiting instance of a run; returns the ids of its instances still `Processing`. */
  stopWaitingInstancesOfRun(runId: number, now: number): Promise<number[]>;
  /** Marks a final instance as rerun by `rerunBy`; false when it is not final or was rerun already. */
  markRerun(id: number, rerunBy: number, now: number): Promise<boolean>;
  /** Records an approval decision in a `Pending` Approval instance's state and makes it due. */
  recordApproval(id: number, state: JsonObject, now: number): Promise<boolean>;

  /** Counts the live (`Queued`, `Processing`, `Pending`) instances of a run. */
  runCounts(runId: number): Promise<{ active: number; waiting: number }>;
  /** Counts the live instances of one scope, and those among them that are not Merges waiting. */
  scopeCounts(runId: number, scope: Scope): Promise<{ live: number; liveBesidesMerges: number }>;
  /** The waiting instance of a Merge task in one scope (due or not), which new arrivals join. */
  findWaitingMerge(runId: number, taskId: number, scope: Scope): Promise<TaskInstanceRecord | undefined>;
  /** Ids of the Merge instances of one scope still waiting for it to go quiet (not yet due). */
  waitingMergeIds(runId: number, scope: Scope): Promise<number[]>;
  /** How many For Each branches of an Iterate instance have ended. */
  iterationsDone(iterateId: number): Promise<number>;
  /** How many instances of a task a scope of a run has had (the loop guard counts these). */
  countTaskInScope(runId: number, taskId: number, scope: Scope): Promise<number>;
  /**
   * Whether a sub-run started by this task instance (waiting for it) is final. Where transactions run
   * side by side (PostgreSQL), the sub-run stays locked until this transaction ends, so its end waits.
   */
  hasFinalSubRun(parentTaskInstanceId: number): Promise<boolean>;
  /** The first unhandled failure left in a run (ignoring rerun instances), or undefined. */
  firstUnhandledError(runId: number): Promise<{ errorClass: string; message: string } | undefined>;

  /** Sets the run's error unless it has one (the first failure wins). */
  setRunError(runId: number, errorClass: string, message: string): Promise<void>;
  /** Records a response task's answer unless one was recorded (the first wins). */
  recordResponse(runId: number, response: RunResponse, result: RunResult): Promise<boolean>;
  /** Compare-and-set of a run's status from any of `from`; the run after, or undefined. */
  setRunStatus(change: RunStatusChange): Promise<RunState | undefined>;
  /**
   * Runs whose task instances a claim took start: each of `runIds` still in one of `from` moves to
   * `to`, its start time set once. One statement for a claim's runs; the runs moved, in no set order.
   * A run whose start this sets comes with its inputs (a `RunRecord`) where its row holds them: its first
   * tasks' Data is derived from them, and reading them again would cost a read per run (a round trip on
   * PostgreSQL). A run that started before (a `Pending` one resuming) comes without.
   */
  startRuns(start: RunsStart): Promise<Array<RunState | RunRecord>>;

  /**
   * Claims due `Pending` instances (due time passed), earliest first, with a lease. Claimers racing
   * never get one instance twice (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
   */
  claimDue(claim: ClaimRequest): Promise<TaskInstanceRecord[]>;
  /** `Queued` instances after `after` in claim order (priority, then id), with their limits. */
  queuedCandidates(query: CandidateQuery): Promise<ClaimCandidate[]>;
  /**
   * `Processing` instances of a task, across runs (its `concurrent_limit` counts these). The count
   * holds until the transaction ends: a concurrent claimer counting the same task waits for it
   * (PostgreSQL: an advisory transaction lock), so two cannot both see the last free slot.
   */
  countProcessingOfTask(taskId: number): Promise<number>;
  /** Runs of a workflow in flight (`Processing`, `Pending`, `Stopping`), held as `countProcessingOfTask`. */
  countActiveRuns(workflowId: number): Promise<number>;
  /**
   * Claims those of `ids` still `Queued`, with a lease, in one statement; the claimed ones in the order
   * of `ids` (one another claimer took is left out).
   */
  claimQueued(ids: readonly number[], claim: Omit<ClaimRequest, 'limit'>): Promise<TaskInstanceRecord[]>;
}

export interface ClaimRequest {
  nodeId: string;
  limit: number;
  now: number;
  leaseUntil: number;
}

export interface CandidateQuery {
  after: { priorityRank: number; id: number };
  excludedTaskIds: readonly number[];
  /** Workflows at their run limit: their runs that have not started yet are passed over. */
  excludedWorkflowIds: readonly number[];
  limit: number;
}

export interface ClaimCandidate {
  id: number;
  taskId: number;
  priorityRank: number;
  runId: number;
  workflowId: number;
  runStatus: RunStatus;
  taskLimit: number | null;
  runLimit: number | null;
}

/** The outcome of one attempt, as `writeOutcome` stores it. */
export interface OutcomeWrite {
  id: number;
  nodeId: string;
  status: Extract<TaskStatus, 'Success' | 'Error' | 'Pending' | 'Stopped'>;
  /** Its output `Data`; null: none. */
  dataOut: StoredDataOut | null;
  /** Set to store its input `Data` in another form (the same `Data`, rebased to keep chains short). */
  rebaseIn?: StoredDataIn;
  state: JsonObject | null;
  waitingOn: WaitingOn | null;
  dueAt: number | null;
  /** Whether the next attempt counts (a retry). */
  isNextAttempt: boolean;
  error: { errorClass: string; message: string; details: string | null } | null;
  isUnhandledError: boolean;
  /** Appended to the instance's log. */
  log: string | null;
  /** Null while it waits. */
  endedAt: number | null;
  now: number;
}

/** A task instance to insert. */
export interface NewTaskInstance {
  id?: number;
  run: Pick<RunRecord, 'id' | 'workflowId' | 'versionId' | 'priority'>;
  taskId: number;
  name: string;
  actionType: string;
  status: Extract<TaskStatus, 'Queued' | 'Processing' | 'Pending'>;
  previousId: number | null;
  dataIn: StoredDataIn;
  /** Set when it is inserted `Processing`. */
  heldBy: { nodeId: string; leaseUntil: number } | null;
  scope: Scope;
  waitingOn: WaitingOn | null;
  rerunOf: number | null;
  /** The log it starts with (a rerun with edited `Data` says so); absent: none. */
  log?: string | null;
  now: number;
}

/** A response task's answer and the result it gives the run. */
export interface RecordedResponse {
  value: RunResponse;
  result: RunResult;
}

/** Runs that start executing (`QueueTransaction.startRuns`). */
export interface RunsStart {
  runIds: readonly number[];
  from: readonly RunStatus[];
  to: RunStatus;
  now: number;
}

/**
 * A compare-and-set of a run's status, with the fields that change with it. `to` may equal the one
 * status in `from` (a reopened run keeps its status).
 */
export interface RunStatusChange {
  runId: number;
  from: readonly RunStatus[];
  to: RunStatus;
  now: number;
  /**
   * Set with a final status. The run's answer, unless one is recorded already (the first wins): a
   * response task's (`response`, recorded with the end by the transaction that ends the run: one
   * write, not two), else `responseJson` (its last `Data`; null: none).
   */
  finish?: { result: RunResult; response?: RecordedResponse | null; responseJson: string | null };
  /** Set when a run is reopened by a rerun: its result and answer are decided anew. */
  reopen?: { error: { errorClass: string; message: string } | null };
}
