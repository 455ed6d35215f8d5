import type pg from 'pg';
import type { RunRecord, RunState, TaskCounts, TaskInstanceRecord, TaskInstanceView } from '../../model/records.js';
import { RUN_STATE_COLUMNS, toRun, toRunState, toTaskInstance, type RunRow, type TaskInstanceRow } from '../rows.js';
import type { QueueStats, RunReadModel } from '../store.js';
import type { PageRequest, RunFilter, TaskInstanceFilter } from '../store-inputs.js';
import { rebuildData } from './data-queries.js';
import { PgHistorySearches } from './history-searches.js';

const SELECT_RUN = 'SELECT * FROM runs WHERE id = $1';
const SELECT_INSTANCE = 'SELECT * FROM task_instances WHERE id = $1';
const SELECT_INSTANCES_OF_RUN = 'SELECT * FROM task_instances WHERE run_id = $1 ORDER BY id';
// A task instance that was rerun is history: its rerun counts instead.
const COUNT_BY_STATUS =
  'SELECT status, count(*) AS n FROM task_instances WHERE run_id = $1 AND rerun_by IS NULL GROUP BY status';
const EXECUTION_MS = `
  SELECT COALESCE(sum(ended_at - started_at), 0)::float8 AS ms FROM task_instances
  WHERE run_id = $1 AND started_at IS NOT NULL AND ended_at IS NOT NULL`;
const COUNT_ACTIVE =
  "SELECT count(*) AS n FROM runs WHERE workflow_id = $1 AND status IN ('Processing', 'Pending', 'Stopping')";
// Days are 'YYYY-MM-DD' (trigger count_task_usage, migrations 001 and 006: a day's count is spread over
// shards); COLLATE "C" compares them byte by byte, as SQLite.
const SELECT_USAGE = `
  SELECT day, sum(task_count) AS task_count FROM task_usage
  WHERE day COLLATE "C" BETWEEN $1 AND $2
  GROUP BY day
  ORDER BY day COLLATE "C"`;

type Param = string | number;

/**
 * Runs and task instances as the API reads them, on PostgreSQL: the SQLite read model's statements, on the
 * pool; the searches of the whole history within their bounds (`PgHistorySearches`).
 */
export class PgReadModel implements RunReadModel {
  private readonly searches: PgHistorySearches;

  constructor(private readonly pool: pg.Pool) {
    this.searches = new PgHistorySearches(pool);
  }

  async getRun(id: number): Promise<RunRecord | undefined> {
    const row = (await this.pool.query<RunRow>(SELECT_RUN, [id])).rows[0];
    return row && toRun(row);
  }

  async listRuns(filter: RunFilter, page: PageRequest): Promise<RunState[]> {
    const { where, params } = whereClause([
      ['workflow_id', filter.workflowId],
      ['status', filter.status],
      ['result', filter.result],
      ['mode', filter.mode],
    ]);
    const clauses = where === '' ? [] : [where.slice('WHERE '.length)];
    const add = (clause: (n: number) => string, value: Param | undefined): void => {
      if (value === undefined) return;
      params.push(value);
      clauses.push(clause(params.length));
    };
    add((n) => `created_at >= $${n}`, filter.createdAfter);
    add((n) => `created_at < $${n}`, filter.createdBefore);
    // strpos, not LIKE: the text is matched literally, so `%` and `_` need no escaping.
    add((n) => `strpos(lower(inputs), lower($${n})) > 0`, filter.inputText);
    params.push(page.limit, page.offset);
    // Without their inputs (a page of runs would read up to 5 MiB each); the text filter reads them.
    const sql = `SELECT ${RUN_STATE_COLUMNS} FROM runs ${clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : ''}
                 ORDER BY id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`;
    return (await this.searches.query<Omit<RunRow, 'inputs'>>(sql, params)).map(toRunState);
  }

  async countTasks(runId: number): Promise<TaskCounts> {
    const counts: TaskCounts = { total: 0, queued: 0, processing: 0, pending: 0, stopped: 0, success: 0, error: 0 };
    const rows = (await this.pool.query<{ status: string; n: number }>(COUNT_BY_STATUS, [runId])).rows;
    for (const row of rows) {
      const key = row.status.toLowerCase() as keyof TaskCounts;
      if (key in counts) counts[key] += row.n;
      counts.total += row.n;
    }
    return counts;
  }

  async taskExecutionMs(runId: number): Promise<number> {
    return (await this.pool.query<{ ms: number }>(EXECUTION_MS, [runId])).rows[0]?.ms ?? 0;
  }

  async getTaskInstance(id: number): Promise<TaskInstanceView | undefined> {
    const row = (await this.pool.query<TaskInstanceRow>(SELECT_INSTANCE, [id])).rows[0];
    return row && (await this.taskInstanceViews([toTaskInstance(row)]))[0];
  }

  async listTaskInstances(runId: number): Promise<TaskInstanceRecord[]> {
    return (await this.pool.query<TaskInstanceRow>(SELECT_INSTANCES_OF_RUN, [runId])).rows.map(toTaskInstance);
  }

  async findTaskInstances(filter: TaskInstanceFilter, page: PageRequest): Promise<TaskInstanceView[]> {
    return this.taskInstanceViews(await this.findTaskInstanceRecords(filter, page));
  }

  async findTaskInstanceRecords(filter: TaskInstanceFilter, page: PageRequest): Promise<TaskInstanceRecord[]> {
    const { where, params } = whereClause([
      ['id', filter.id],
      ['run_id', filter.runId],
      ['name', filter.name],
      ['action_type', filter.actionType],
      ['status', filter.status],
    ]);
    params.push(page.limit, page.offset);
    const sql = `SELECT * FROM task_instances ${where}
                 ORDER BY id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`;
    return (await this.searches.query<TaskInstanceRow>(sql, params)).map(toTaskInstance);
  }

  /** The instances with their Data rebuilt, all from one read of their chains. */
  async taskInstanceViews(instances: readonly TaskInstanceRecord[]): Promise<TaskInstanceView[]> {
    if (instances.length === 0) return [];
    const rebuild = await rebuildData(
      this.pool,
      instances.map((instance) => instance.id),
    );
    return instances.map((instance) => rebuild.view(instance));
  }

  async countActiveRuns(workflowId: number): Promise<number> {
    return (await this.pool.query<{ n: number }>(COUNT_ACTIVE, [workflowId])).rows[0]?.n ?? 0;
  }

  async taskUsage(startDay: string, endDay: string): Promise<Array<{ day: string; taskCount: number }>> {
    const rows = (await this.pool.query<{ day: string; task_count: number }>(SELECT_USAGE, [startDay, endDay])).rows;
    return rows.map((row) => ({ day: row.day, taskCount: row.task_count }));
  }
  /** Task instances that could run at `now` and since when the oldest could (`GET /metrics`). */
  async queueStats(now: number): Promise<QueueStats> {
    const { rows } = await this.pool.query<{
      queued: number;
      due: number;
      oldest_queued: number | null;
      oldest_due: number | null;
    }>(
      `SELECT (SELECT count(*) FROM task_instances WHERE status = 'Queued') AS queued,
              (SELECT min(updated_at) FROM task_instances WHERE status = 'Queued') AS oldest_queued,
              (SELECT count(*) FROM task_instances
               WHERE status = 'Pending' AND due_at IS NOT NULL AND due_at <= $1) AS due,
              (SELECT min(due_at) FROM task_instances
               WHERE status = 'Pending' AND due_at IS NOT NULL AND due_at <= $1) AS oldest_due`,
      [now],
    );
    const row = rows[0];
    const oldest = [row?.oldest_queued ?? null, row?.oldest_due ?? null].filter((t): t is number => t !== null);
    return {
      queued: row?.queued ?? 0,
      dueWaiting: row?.due ?? 0,
      oldestDueAt: oldest.length > 0 ? Math.min(...oldest) : null,
    };
  }
}

/**
 * `WHERE column = $n AND ...` for each column whose value is set, with its bound values. Column names
 * come from the caller's code, never from input.
 */
function whereClause(equalities: Array<[column: string, value: Param | undefined]>): {
  where: string;
  params: Param[];
} {
  const clauses: string[] = [];
  const params: Param[] = [];
  for (const [column, value] of equalities) {
    if (value === undefined) continue;
    params.push(value);
    clauses.push(`${column} = $${params.length}`);
  }
  return { where: clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '', params };
}
