import { DataRebuild, runsRootedIn, type DataRow, type RebuiltData } from '../data-rebuild.js';
import type { RunState } from '../../model/records.js';
import { RUN_STATE_COLUMNS, toRun, toRunState, type RunRow } from '../rows.js';
import type { Sql } from './database.js';

/**
 * Task instances' `Data` and Iterate items on PostgreSQL: the SQLite statements of
 * `sqlite/data-queries.ts`, on the pool or a transaction's connection.
 */

// From each instance asked for, down its bases: the input Data of an instance asked for, then the output
// Data of each base, which needs its own base only when its output is not stored whole.
const SELECT_CHAINS = `
  WITH RECURSIVE chain(id, is_start) AS (
    SELECT unnest($1::bigint[]), true
    UNION
    SELECT t.data_base, false FROM chain JOIN task_instances t ON t.id = chain.id
    WHERE t.data_base IS NOT NULL AND t.data_in IS NULL AND (chain.is_start OR t.data_out IS NULL)
  )
  SELECT id, run_id, data_base, data_in, data_in_patch, data_out, data_out_patch
  FROM task_instances WHERE id IN (SELECT id FROM chain)`;

/** The rows the `Data` of `ids` (and the initial `Data` of `alsoRuns`) is rebuilt from, ready to rebuild it. */
export async function rebuildData(
  sql: Sql,
  ids: readonly number[],
  alsoRuns: readonly number[] = [],
): Promise<DataRebuild> {
  const rows = ids.length === 0 ? [] : (await sql.query<DataRow>(SELECT_CHAINS, [ids])).rows;
  const runIds = [...new Set([...runsRootedIn(rows), ...alsoRuns])];
  const runs =
    runIds.length === 0
      ? []
      : (await sql.query<RunRow>('SELECT * FROM runs WHERE id = ANY($1::bigint[])', [runIds])).rows.map(toRun);
  return new DataRebuild(new Map(rows.map((row) => [row.id, row])), new Map(runs.map((run) => [run.id, run])));
}

export async function readData(sql: Sql, ids: readonly number[], runIds: readonly number[] = []): Promise<RebuiltData> {
  return (await rebuildData(sql, ids, runIds)).result(ids, runIds);
}

/** A run without its inputs (`RUN_STATE_COLUMNS`), optionally locked for the transaction. */
export async function readRunState(sql: Sql, runId: number, isLocking: boolean): Promise<RunState | undefined> {
  const { rows } = await sql.query<Omit<RunRow, 'inputs'>>(
    `SELECT ${RUN_STATE_COLUMNS} FROM runs WHERE id = $1${isLocking ? ' FOR UPDATE' : ''}`,
    [runId],
  );
  return rows[0] && toRunState(rows[0]);
}

/** All the items in one statement: the array parameter carries each item's JSON as written. */
export async function insertIterationItems(sql: Sql, iterateId: number, items: readonly string[]): Promise<void> {
  if (items.length === 0) return;
  await sql.query(
    `INSERT INTO iteration_items (iterate_id, idx, item)
     SELECT $1, ordinality - 1, item FROM unnest($2::text[]) WITH ORDINALITY AS t(item, ordinality)`,
    [iterateId, items],
  );
}

export async function iterationItems(sql: Sql, iterateId: number, from: number, count: number): Promise<string[]> {
  if (count <= 0) return [];
  const { rows } = await sql.query<{ item: string }>(
    'SELECT item FROM iteration_items WHERE iterate_id = $1 AND idx >= $2 ORDER BY idx LIMIT $3',
    [iterateId, from, count],
  );
  return rows.map((row) => row.item);
}
