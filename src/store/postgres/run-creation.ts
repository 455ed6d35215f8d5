import type { RunRecord, TaskInstanceRecord } from '../../model/records.js';
import { entryInstance } from '../planned-run.js';
import { RUN_STATE_COLUMNS, toRun, toRunState, type RunRow } from '../rows.js';
import type { NewRun } from '../store-inputs.js';
import type { Sql } from './database.js';
import type { PgIdBlocks } from './id-blocks.js';
import { PgQueueTransaction } from './queue-transaction.js';
import type { RunNumber } from './run-numbers.js';

/** An idempotency key that another node used first, found when its unique index refused ours. */
export class IdempotencyKeyTaken extends Error {
  override readonly name = 'IdempotencyKeyTaken';
}

/** The run with this workflow's idempotency key, if any (whatever its age). */
export async function findRunByKey(sql: Sql, workflowId: number, key: string): Promise<RunRow | undefined> {
  const { rows } = await sql.query<RunRow>('SELECT * FROM runs WHERE workflow_id = $1 AND idempotency_key = $2', [
    workflowId,
    key,
  ]);
  return rows[0];
}

/**
 * A new run on PostgreSQL, inside the caller's transaction: its number (`reserved` beforehand by
 * `PgRunNumbers`, or taken here from the workflow's counter, whose row lock makes it race-free across
 * nodes), the run row, its entry task instances.
 */
export async function createRunIn(
  sql: Sql,
  ids: PgIdBlocks,
  input: NewRun,
  reserved?: RunNumber,
): Promise<{ run: RunRecord; instances: TaskInstanceRecord[]; created: boolean }> {
  if (input.idempotencyKey !== null) {
    const existing = await findRunByKey(sql, input.workflowId, input.idempotencyKey);
    if (existing) {
      if (input.now - existing.created_at < input.idempotencyWindowMs) {
        return { run: toRun(existing), instances: [], created: false };
      }
      await sql.query('UPDATE runs SET idempotency_key = NULL WHERE id = $1', [existing.id]);
    }
  }
  const counter = reserved ?? (await takeRunNumber(sql, input));
  const isHeld = input.claimFor !== null;
  const id = await ids.next('object', sql);
  const { rows: inserted } = await sql.query<Omit<RunRow, 'inputs'>>(
    `INSERT INTO runs (id, workflow_id, version_id, seq, status, mode, priority, inputs, run_user, previous_run_at,
                       idempotency_key, parent_task_instance_id, depth, created_at, updated_at, started_at,
                       idempotency_digest)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16)
     ON CONFLICT (workflow_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
     RETURNING ${RUN_STATE_COLUMNS}`,
    [
      id,
      input.workflowId,
      input.versionId,
      counter.seq,
      isHeld ? 'Processing' : 'Queued',
      input.mode,
      input.priority,
      input.inputsJson ?? JSON.stringify(input.inputs),
      input.runUser,
      counter.previousRunAt,
      input.idempotencyKey,
      input.parentTaskInstanceId ?? null,
      input.depth ?? 0,
      input.now,
      isHeld ? input.now : null,
      input.idempotencyDigest ?? null,
    ],
  );
  const row = inserted[0];
  // Another node committed a run with this key after our look-up: the caller reads it and rolls back.
  if (!row) throw new IdempotencyKeyTaken();
  // The inputs are not sent back: they are the caller's.
  const run = { ...toRunState(row), inputs: input.inputs };
  const tx = new PgQueueTransaction(sql, ids);
  const instances: TaskInstanceRecord[] = [];
  for (const task of input.entryTasks) {
    instances.push(await tx.insertTaskInstance(entryInstance(run, input, task)));
  }
  return { run, instances, created: true };
}

/** The workflow's next run number, inside the caller's transaction (its row stays locked until it ends). */
async function takeRunNumber(sql: Sql, input: NewRun): Promise<RunNumber> {
  const { rows } = await sql.query<{ seq: number; previous_run_at: number | null }>(
    `UPDATE workflows SET run_count = run_count + 1, previous_run_at = last_run_at, last_run_at = $2
     WHERE id = $1
     RETURNING run_count AS seq, previous_run_at`,
    [input.workflowId, input.now],
  );
  const row = rows[0];
  if (!row) throw new Error(`workflow ${input.workflowId} does not exist`);
  return { seq: row.seq, previousRunAt: row.previous_run_at };
}
