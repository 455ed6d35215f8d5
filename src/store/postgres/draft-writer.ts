import type { DraftRows } from '../queue-store.js';
import { priorityRank } from '../rows.js';
import type { Sql } from './database.js';

/** The columns of a task instance as a drafted run writes it, in the order of its VALUES. */
const INSTANCE_COLUMNS = [
  'id',
  'run_id',
  'workflow_id',
  'version_id',
  'task_id',
  'name',
  'action_type',
  'status',
  'priority_rank',
  'previous_id',
  'data_base',
  'data_in',
  'data_in_patch',
  'data_out',
  'data_out_patch',
  'state',
  'attempt',
  'due_at',
  'locked_by',
  'lease_until',
  'error',
  'error_class',
  'error_details',
  'log',
  'iteration_parent_id',
  'iteration_index',
  'iterations_done',
  'waiting_on',
  'is_unhandled_error',
  'rerun_of',
  'started_at',
  'ended_at',
  'created_at',
  'updated_at',
] as const;

/**
 * Task instances per statement: 34 parameters each stays well under PostgreSQL's 65,535 per statement
 * (a run may hold thousands: a loop guard allows 1,000 per task and scope).
 */
const INSTANCES_PER_STATEMENT = 1_000;
/** Drafts of up to this many task instances are written by a named (prepared) statement. */
const PREPARED_UP_TO = 8;

/**
 * Writes a run drafted in memory (`QueueStore.draftRun`) as it is, inside the caller's transaction: the
 * run and its task instances in one statement (a round trip), more only past `INSTANCES_PER_STATEMENT`
 * (docs/architecture.md, "A responsive run written once"). Task usage is counted by the insert
 * trigger, as for any instance.
 */
export async function writeDraftIn(sql: Sql, seq: number, inputsJson: string, rows: DraftRows): Promise<void> {
  const { run } = rows;
  const values: unknown[] = [
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
  ];
  const insertRun = `INSERT INTO runs (id, workflow_id, version_id, seq, status, result, mode, priority, inputs, run_user,
                       previous_run_at, response, response_result, error_class, error_message,
                       parent_task_instance_id, depth, idempotency_key, idempotency_digest, created_at,
                       updated_at, started_at, finished_at)
     VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')})`;
  const [first = [], ...rest] = chunks(rows.instances, INSTANCES_PER_STATEMENT);
  if (first.length === 0) {
    await sql.query(insertRun, values);
    return;
  }
  const rank = priorityRank(run.priority);
  // One statement, one round trip: the run's INSERT rides in a data-modifying WITH. Its text depends only
  // on the number of instances: for the usual few it is prepared once per connection (named), not parsed
  // and planned again by PostgreSQL for every run.
  const head = instanceValues(first, rank, values.length);
  await sql.query({
    ...(first.length <= PREPARED_UP_TO ? { name: `weir-draft-${first.length}` } : {}),
    text: `WITH run AS (${insertRun}) ${head.statement}`,
    values: [...values, ...head.values],
  });
  for (const chunk of rest) {
    const more = instanceValues(chunk, rank, 0);
    await sql.query(more.statement, more.values);
  }
}

/** An INSERT of task instances and its parameters, numbered from `offset + 1`. */
function instanceValues(
  instances: DraftRows['instances'],
  rank: number,
  offset: number,
): { statement: string; values: unknown[] } {
  const values: unknown[] = [];
  const tuples = instances.map(({ record, heldBy }) => {
    const first = offset + values.length;
    values.push(
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
    );
    return `(${INSTANCE_COLUMNS.map((_, i) => `$${first + i + 1}`).join(', ')})`;
  });
  return {
    statement: `INSERT INTO task_instances (${INSTANCE_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`,
    values,
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
