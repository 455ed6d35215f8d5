import type Database from 'better-sqlite3';
import type { RunRecord, RunState, TaskCounts, TaskInstanceRecord, TaskInstanceView } from '../../model/records.js';
import type { QueueStats, RunReadModel } from '../store.js';
import { QueueStatsQueries } from './queue-stats-queries.js';
import type { PageRequest, RunFilter, TaskInstanceFilter } from '../store-inputs.js';
import { toRun, toTaskInstance, type RunRow, type TaskInstanceRow } from '../rows.js';
import type { HistoryQueries, HistoryQuery, HistoryRows } from './history-queries.js';
import { SELECT_RUN_WITH_INPUTS } from './run-columns.js';
import type { SqliteDataQueries } from './data-queries.js';
import { UsageQueries } from './usage-queries.js';

/** The searches of the history, wherever they run (`history-queries.ts`). */
export interface HistorySearches {
  run<Q extends HistoryQuery>(query: Q): Promise<HistoryRows<Q>>;
  /** The store is closing: ends what these searches hold open on its file. */
  close(): Promise<void>;
}

/** The searches on the calling thread: for an in-memory database, which no other connection can open. */
export class InThreadSearches implements HistorySearches {
  constructor(private readonly queries: HistoryQueries) {}

  async run<Q extends HistoryQuery>(query: Q): Promise<HistoryRows<Q>> {
    return this.queries.run(query);
  }

  async close(): Promise<void> {}
}

/**
 * Runs and task instances as the API reads them, on SQLite. Reads of a run or an instance run
 * synchronously on prepared statements; searches of the whole history run where `history` says.
 */
export class SqliteReadModel implements RunReadModel {
  private readonly selectRun;
  private readonly selectInstance;
  private readonly selectInstancesOfRun;
  private readonly countByStatus;
  private readonly countActive;
  private readonly executionMs;
  private readonly usage;
  private readonly queue;

  constructor(
    private readonly db: Database.Database,
    private readonly data: SqliteDataQueries,
    /** Where the searches of the whole history run: a worker thread (`HistoryReader`) for a file. */
    private readonly history: HistorySearches,
  ) {
    this.selectRun = db.prepare(`${SELECT_RUN_WITH_INPUTS} WHERE id = ?`);
    this.selectInstance = db.prepare('SELECT * FROM task_instances WHERE id = ?');
    this.selectInstancesOfRun = db.prepare('SELECT * FROM task_instances WHERE run_id = ? ORDER BY id');
    // A task instance that was rerun is history: its rerun counts instead.
    this.countByStatus = db.prepare(
      'SELECT status, count(*) AS n FROM task_instances WHERE run_id = ? AND rerun_by IS NULL GROUP BY status',
    );
    this.executionMs = db.prepare(`
      SELECT COALESCE(sum(ended_at - started_at), 0) AS ms FROM task_instances
      WHERE run_id = ? AND started_at IS NOT NULL AND ended_at IS NOT NULL`);
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
    return this.history.run({ kind: 'runs', filter, page });
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

  async taskExecutionMs(runId: number): Promise<number> {
    return (this.executionMs.get(runId) as { ms: number }).ms;
  }

  async getTaskInstance(id: number): Promise<TaskInstanceView | undefined> {
    const row = this.selectInstance.get(id) as TaskInstanceRow | undefined;
    return row && this.withData([toTaskInstance(row)])[0];
  }

  async listTaskInstances(runId: number): Promise<TaskInstanceRecord[]> {
    return (this.selectInstancesOfRun.all(runId) as TaskInstanceRow[]).map(toTaskInstance);
  }

  async findTaskInstances(filter: TaskInstanceFilter, page: PageRequest): Promise<TaskInstanceView[]> {
    return this.withData(await this.findTaskInstanceRecords(filter, page));
  }

  async findTaskInstanceRecords(filter: TaskInstanceFilter, page: PageRequest): Promise<TaskInstanceRecord[]> {
    return this.history.run({ kind: 'taskInstances', filter, page });
  }

  /** The instances with their Data rebuilt, all from one read of their chains. */
  async taskInstanceViews(instances: readonly TaskInstanceRecord[]): Promise<TaskInstanceView[]> {
    return this.withData(instances);
  }

  private withData(instances: readonly TaskInstanceRecord[]): TaskInstanceView[] {
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
