import type Database from 'better-sqlite3';
import type { JsonObject, TaskInstanceRecord } from '../../model/records.js';
import type { PageRequest, TaskInstanceFilter } from '../store.js';
import { toRun, toTaskInstance, type RunRow, type TaskInstanceRow } from './rows.js';
import type { TaskInstanceWriter } from './task-instance-writer.js';

/** Task instances by the operator: search, rerun, approval decisions. */
export class TaskInstanceQueries {
  private readonly selectInstance;
  private readonly selectRun;
  private readonly markRerun;
  private readonly reopenRun;
  private readonly decide;

  constructor(
    private readonly db: Database.Database,
    private readonly writer: TaskInstanceWriter,
  ) {
    this.selectInstance = db.prepare('SELECT * FROM task_instances WHERE id = ?');
    this.selectRun = db.prepare('SELECT * FROM runs WHERE id = ?');
    this.markRerun = db.prepare(`
      UPDATE task_instances SET rerun_by = ?, updated_at = ?
      WHERE id = ? AND rerun_by IS NULL AND status IN ('Success', 'Error', 'Stopped')`);
    // The run is live again; its result and answer are decided anew, from the unhandled failures that remain.
    this.reopenRun = db.prepare(`
      UPDATE runs SET status = CASE WHEN status = 'Finished' THEN 'Queued' ELSE status END, result = NULL, finished_at = NULL, response = NULL, response_result = NULL,
        error_class = (SELECT error_class FROM task_instances
                       WHERE run_id = @runId AND is_unhandled_error = 1 AND rerun_by IS NULL ORDER BY id LIMIT 1),
        error_message = (SELECT error FROM task_instances
                         WHERE run_id = @runId AND is_unhandled_error = 1 AND rerun_by IS NULL ORDER BY id LIMIT 1),
        updated_at = @now
      WHERE id = @runId AND status IN ('Finished', 'Processing', 'Pending', 'Queued')`);
    this.decide = db.prepare(`
      UPDATE task_instances SET state = ?, due_at = ?, updated_at = ?
      WHERE id = ? AND status = 'Pending' AND waiting_on = 'approval'`);
  }

  find(filter: TaskInstanceFilter, page: PageRequest): TaskInstanceRecord[] {
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
    return (this.db.prepare(sql).all(...params, page.limit, page.offset) as TaskInstanceRow[]).map(toTaskInstance);
  }

  rerun(id: number, now: number): TaskInstanceRecord | undefined {
    const row = this.selectInstance.get(id) as TaskInstanceRow | undefined;
    if (!row) return undefined;
    const old = toTaskInstance(row);
    const runRow = this.selectRun.get(old.runId) as RunRow | undefined;
    if (!runRow || runRow.status === 'Stopping' || runRow.status === 'Stopped') return undefined;
    const added = this.writer.add(
      toRun(runRow),
      {
        taskId: old.taskId,
        name: old.name,
        actionType: old.actionType,
        previousId: old.previousId,
        dataIn: old.dataIn,
        iterationParentId: old.iterationParentId,
        iterationIndex: old.iterationIndex,
      },
      { claimFor: null, now, rerunOf: old.id },
    );
    if (added.kind !== 'inserted') return undefined;
    if (this.markRerun.run(added.instance.id, now, old.id).changes === 0) {
      // Not final, or already rerun: undo by failing the whole write.
      throw new RerunRefused();
    }
    this.reopenRun.run({ runId: old.runId, now });
    return added.instance;
  }

  decideApproval(id: number, decision: JsonObject, now: number): boolean {
    const row = this.selectInstance.get(id) as TaskInstanceRow | undefined;
    if (!row) return false;
    const previous = row.state ? (JSON.parse(row.state) as JsonObject) : {};
    // The first decision stands, even if a second arrives before the engine has acted on it.
    if (previous['decision'] !== undefined) return false;
    const state = { ...previous, decision };
    return this.decide.run(JSON.stringify(state), now, now, id).changes === 1;
  }
}

/** A rerun that must not happen; thrown inside the write so its savepoint rolls back. */
export class RerunRefused extends Error {
  override readonly name = 'RerunRefused';
}
