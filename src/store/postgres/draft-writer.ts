import type { DraftRows } from '../queue-store.js';
import { priorityRank } from '../rows.js';
import type { Sql } from './database.js';

/** A run drafted in memory (`QueueStore.draftRun`), to write as it is now. */
export interface DraftWrite {
  /** The run's number in its workflow, reserved when it was drafted. */
  seq: number;
  inputsJson: string;
  rows: DraftRows;
}

/** The columns of a run as a draft writes it, with their types, in the order of the statement's arrays. */
const RUN_COLUMNS = [
  ['id', 'bigint'],
  ['workflow_id', 'bigint'],
  ['version_id', 'bigint'],
  ['seq', 'bigint'],
  ['status', 'text'],
  ['result', 'text'],
  ['mode', 'text'],
  ['priority', 'text'],
  ['inputs', 'text'],
  ['run_user', 'text'],
  ['previous_run_at', 'bigint'],
  ['response', 'text'],
  ['response_result', 'text'],
  ['error_class', 'text'],
  ['error_message', 'text'],
  ['parent_task_instance_id', 'bigint'],
  ['depth', 'integer'],
  ['idempotency_key', 'text'],
  ['idempotency_digest', 'text'],
  ['created_at', 'bigint'],
  ['updated_at', 'bigint'],
  ['started_at', 'bigint'],
  ['finished_at', 'bigint'],
] as const;

/** The columns of a task instance as a draft writes it. */
const INSTANCE_COLUMNS = [
  ['id', 'bigint'],
  ['run_id', 'bigint'],
  ['workflow_id', 'bigint'],
  ['version_id', 'bigint'],
  ['task_id', 'bigint'],
  ['name', 'text'],
  ['action_type', 'text'],
  ['status', 'text'],
  ['priority_rank', 'integer'],
  ['previous_id', 'bigint'],
  ['data_base', 'bigint'],
  ['data_in', 'text'],
  ['data_in_patch', 'text'],
  ['data_out', 'text'],
  ['data_out_patch', 'text'],
  ['state', 'text'],
  ['attempt', 'integer'],
  ['due_at', 'bigint'],
  ['locked_by', 'text'],
  ['lease_until', 'bigint'],
  ['error', 'text'],
  ['error_class', 'text'],
  ['error_details', 'text'],
  ['log', 'text'],
  ['iteration_parent_id', 'bigint'],
  ['iteration_index', 'integer'],
  ['iterations_done', 'integer'],
  ['waiting_on', 'text'],
  ['is_unhandled_error', 'integer'],
  ['rerun_of', 'bigint'],
  ['started_at', 'bigint'],
  ['ended_at', 'bigint'],
  ['created_at', 'bigint'],
  ['updated_at', 'bigint'],
] as const;

/** `unnest($k::type[], ...)` over `columns`, its parameters numbered from `from`. */
function unnestOf(columns: ReadonlyArray<readonly [string, string]>, from: number): string {
  return `SELECT * FROM unnest(${columns.map(([, type], i) => `$${from + i}::${type}[]`).join(', ')})`;
}

/**
 * One text for any number of runs and task instances: each column is one array parameter, so the
 * statement is prepared once per connection (named) and there is no limit of parameters to split on.
 */
const WRITE_DRAFTS = {
  name: 'weir-write-drafts',
  text:
    `WITH run AS (INSERT INTO runs (${RUN_COLUMNS.map(([name]) => name).join(', ')}) ${unnestOf(RUN_COLUMNS, 1)}) ` +
    `INSERT INTO task_instances (${INSTANCE_COLUMNS.map(([name]) => name).join(', ')}) ` +
    unnestOf(INSTANCE_COLUMNS, RUN_COLUMNS.length + 1),
};

/**
 * Writes runs drafted in memory as they are, inside the caller's transaction: every run and task
 * instance in one statement, one round trip, however many drafts the group commit gathered
 * (docs/architecture.md, "A responsive run written once"). Task usage is counted by the insert
 * trigger, as for any instance.
 */
export async function writeDraftsIn(sql: Sql, drafts: readonly DraftWrite[]): Promise<void> {
  const runs: unknown[][] = RUN_COLUMNS.map(() => []);
  const instances: unknown[][] = INSTANCE_COLUMNS.map(() => []);
  for (const { seq, inputsJson, rows } of drafts) {
    const { run } = rows;
    pushRow(runs, [
      run.id,
      run.workflowId,
      run.versionId,
      seq,
      run.status,
      run.result,
      run.mode,
      run.priority,
      inputsJson,
      run.runUser,
      run.previousRunAt,
      rows.responseJson,
      run.responseResult,
      run.errorClass,
      run.errorMessage,
      run.parentTaskInstanceId,
      run.depth,
      run.idempotencyKey ?? null,
      run.idempotencyDigest ?? null,
      run.createdAt,
      run.updatedAt,
      run.startedAt,
      run.finishedAt,
    ]);
    const rank = priorityRank(run.priority);
    for (const { record, heldBy } of rows.instances) {
      pushRow(instances, [
        record.id,
        record.runId,
        record.workflowId,
        record.versionId,
        record.taskId,
        record.name,
        record.actionType,
        record.status,
        rank,
        record.previousId,
        record.storedData.baseId,
        record.storedData.inWhole,
        record.storedData.inPatch,
        record.storedData.outWhole,
        record.storedData.outPatch,
        record.state === null ? null : JSON.stringify(record.state),
        record.attempt,
        record.dueAt,
        heldBy?.nodeId ?? null,
        heldBy?.leaseUntil ?? null,
        record.error,
        record.errorClass,
        record.errorDetails,
        record.log,
        record.iterationParentId,
        record.iterationIndex,
        record.iterationsDone,
        record.waitingOn,
        record.isUnhandledError ? 1 : 0,
        record.rerunOf,
        record.startedAt,
        record.endedAt,
        record.createdAt,
        record.updatedAt,
      ]);
    }
  }
  await sql.query({ ...WRITE_DRAFTS, values: [...runs, ...instances] });
}

/** Appends one row's values to the column arrays. */
function pushRow(columns: unknown[][], values: readonly unknown[]): void {
  values.forEach((value, i) => columns[i]?.push(value));
}
