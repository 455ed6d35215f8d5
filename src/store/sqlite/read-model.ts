import type Database from 'better-sqlite3';
import type { RunRecord, RunState, TaskCounts, TaskInstanceRecord, TaskInstanceView } from '../../model/records.js';
import type { QueueStats, RunReadModel } from '../store.js';
import { QueueStatsQueries } from './queue-stats-queries.js';
import type { PageRequest, RunFilter, TaskInstanceFilter } from '../store-inputs.js';
import { RUN_STATE_COLUMNS, toRun, toRunState, toTaskInstance, type RunRow, type TaskInstanceRow } from '../rows.js';
import { SELECT_RUN_WITH_INPUTS } from './run-columns.js';
import type { SqliteDataQueries } from './data-queries.js';
import { UsageQueries } from './usage-queries.js';

/** Runs and task instances as the API reads them, on SQLite. Reads run synchronously on prepared statements. */
export class SqliteReadModel implements RunReadModel {
  private readonly selectRun;
  private readonly selectInstance;
  private readonly selectInstancesOfRun;
  private readonly countByStatus;
  private readonly countActive;
  private readonly usage;
  private readonly queue;

  constructor(
    private readonly db: Database.Database,
    private readonly data: SqliteDataQueries,
  ) {
    this.selectRun = db.prepare(`${SELECT_RUN_WITH_INPUTS} WHERE id = ?`);
    this.selectInstance = db.prepare('SELECT * FROM task_instances WHERE id = ?');
    this.selectInstancesOfRun = db.prepare('SELECT * FROM task_instances WHERE run_id = ? ORDER BY id');
    // A task instance that was rerun is history: its rerun counts instead.
    this.countByStatus = db.prepare(
      'SELECT status, count(*) AS n FROM task_instances WHERE run_id = ? AND rerun_by IS NULL GROUP BY status',
    );
    this.countActive = db.prepare(
      "SELECT count(*) AS n FROM runs WHERE workflow_id = ? AND status IN ('Processing', 'Pending', 'Stopping')",
    );
    this.usage = new UsageQueries(db);
    this.queue = new QueueStatsQueries(db);
  }

  async getRun(id: number): Promise<RunRecord | undefined> {
    const row = this.selectRun.get(id) as RunRow | undefined;
    return row && toRun(row);
  }

  async listRuns(filter: RunFilter, page: PageRequest): Promise<RunState[]> {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (filter.workflowId !== undefined) {
      where.push('workflow_id = ?');
      params.push(filter.workflowId);
    }
    if (filter.status !== undefined) {
      where.push('status = ?');
      params.push(filter.status);
    }
    if (filter.result !== undefined) {
      where.push('result = ?');
      params.push(filter.result);
    }
    if (filter.mode !== undefined) {
      where.push('mode = ?');
      params.push(filter.mode);
    }
    if (filter.createdAfter !== undefined) {
      where.push('created_at >= ?');
      params.push(filter.createdAfter);
    }
    if (filter.createdBefore !== undefined) {
      where.push('created_at < ?');
      params.push(filter.createdBefore);
    }
    if (filter.inputText !== undefined) {
      // instr, not LIKE: the text is matched literally, so `%` and `_` need no escaping.
      where.push('instr(lower(COALESCE(ri.inputs, r.inputs)), lower(?)) > 0');
      params.push(filter.inputText);
    }
    // Without their inputs (a page of runs would read up to 5 MiB each); the text filter reads them.
    const sql = `SELECT ${RUN_STATE_COLUMNS} FROM runs r
                 ${filter.inputText !== undefined ? 'LEFT JOIN run_inputs ri ON ri.run_id = r.id' : ''}
                 ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY id DESC LIMIT ? OFFSET ?`;
    return (this.db.prepare(sql).all(...params, page.limit, page.offset) as Array<Omit<RunRow, 'inputs'>>).map(
      toRunState,
    );
  }

  async countTasks(runId: number): Promise<TaskCounts> {
    const counts: TaskCounts = { total: 0, queued: 0, processing: 0, pending: 0, stopped: 0, success: 0, error: 0 };
    for (const row of this.countByStatus.all(runId) as Array<{ status: string; n: number }>) {
      const key = row.status.toLowerCase() as keyof TaskCounts;
      if (key in counts) counts[key] += row.n;
      counts.total += row.n;
    }
    return counts;
  }

  async getTaskInstance(id: number): Promise<TaskInstanceView | undefined> {
    const row = this.selectInstance.get(id) as TaskInstanceRow | undefined;
    return row && this.withData([toTaskInstance(row)])[0];
  }

  async listTaskInstances(runId: number): Promise<TaskInstanceRecord[]> {
    return (this.selectInstancesOfRun.all(runId) as TaskInstanceRow[]).map(toTaskInstance);
  }

  async findTaskInstances(filter: TaskInstanceFilter, page: PageRequest): Promise<TaskInstanceView[]> {
    const where: string[] = [];
    const params: Array<string | number> = [];
    const add = (clause: string, value: string | number | undefined): void => {
      if (value === undefined) return;
      where.push(clause);
      params.push(value);
    };
    add('id = ?', filter.id);
    add('run_id = ?', filter.runId);
    add('name = ?', filter.name);
    add('action_type = ?', filter.actionType);
    add('status = ?', filter.status);
    const sql = `SELECT * FROM task_instances ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY id DESC LIMIT ? OFFSET ?`;
    return this.withData(
      (this.db.prepare(sql).all(...params, page.limit, page.offset) as TaskInstanceRow[]).map(toTaskInstance),
    );
  }

  /** The instances with their Data rebuilt, all from one read of their chains. */
  private withData(instances: TaskInstanceRecord[]): TaskInstanceView[] {
    if (instances.length === 0) return [];
    const rebuild = this.data.rebuild(instances.map((instance) => instance.id));
    return instances.map((instance) => rebuild.view(instance));
  }

  async countActiveRuns(workflowId: number): Promise<number> {
    return (this.countActive.get(workflowId) as { n: number }).n;
  }

  async taskUsage(startDay: string, endDay: string): Promise<Array<{ day: string; taskCount: number }>> {
    return this.usage.taskUsage(startDay, endDay);
  }

  async queueStats(now: number): Promise<QueueStats> {
    return this.queue.queueStats(now);
  }
}
