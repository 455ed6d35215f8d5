import type Database from 'better-sqlite3';
import type { RunState, TaskInstanceRecord } from '../../model/records.js';
import type { PageRequest, RunFilter, TaskInstanceFilter } from '../store-inputs.js';
import { RUN_STATE_COLUMNS, toRunState, toTaskInstance, type RunRow, type TaskInstanceRow } from '../rows.js';

/** A search of the history, as the reader worker receives it (`history-reader.ts`). */
export type HistoryQuery =
  | { kind: 'runs'; filter: RunFilter; page: PageRequest }
  | { kind: 'taskInstances'; filter: TaskInstanceFilter; page: PageRequest };

/** What a `HistoryQuery` answers. */
export type HistoryRows<Q extends HistoryQuery> = Q extends { kind: 'runs' } ? RunState[] : TaskInstanceRecord[];

/** Statements kept per distinct filter shape: each field is there or not, so a few dozen at most. */
const MAX_STATEMENTS = 128;

/**
 * The searches of the whole history, newest first: runs by any of their filters (the inputs' text
 * among them) and task instances across runs. Most filters have no index that also orders by id, so
 * a search that matches little reads the history back to its start: on a long history that takes
 * seconds, which is why the server runs these in a worker thread (`history-reader.ts`).
 */
export class HistoryQueries {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  run<Q extends HistoryQuery>(query: Q): HistoryRows<Q> {
    return (
      query.kind === 'runs' ? this.listRuns(query.filter, query.page) : this.findTaskInstances(query.filter, query.page)
    ) as HistoryRows<Q>;
  }

  listRuns(filter: RunFilter, page: PageRequest): RunState[] {
    const { where, params } = conditions([
      ['workflow_id = ?', filter.workflowId],
      ['status = ?', filter.status],
      ['result = ?', filter.result],
      ['mode = ?', filter.mode],
      ['created_at >= ?', filter.createdAfter],
      ['created_at < ?', filter.createdBefore],
      // instr, not LIKE: the text is matched literally, so `%` and `_` need no escaping.
      ['instr(lower(COALESCE(ri.inputs, r.inputs)), lower(?)) > 0', filter.inputText],
    ]);
    // Without their inputs (a page of runs would read up to 5 MiB each); the text filter reads them.
    const sql = `SELECT ${RUN_STATE_COLUMNS} FROM runs r
                 ${filter.inputText !== undefined ? 'LEFT JOIN run_inputs ri ON ri.run_id = r.id' : ''}
                 ${where} ORDER BY id DESC LIMIT ? OFFSET ?`;
    const rows = this.statement(sql).all(...params, page.limit, page.offset) as Array<Omit<RunRow, 'inputs'>>;
    return rows.map(toRunState);
  }

  /** Task instances across runs, newest first, without their `Data` (the read model rebuilds it). */
  findTaskInstances(filter: TaskInstanceFilter, page: PageRequest): TaskInstanceRecord[] {
    const { where, params } = conditions([
      ['id = ?', filter.id],
      ['run_id = ?', filter.runId],
      ['name = ?', filter.name],
      ['action_type = ?', filter.actionType],
      ['status = ?', filter.status],
    ]);
    const sql = `SELECT * FROM task_instances ${where} ORDER BY id DESC LIMIT ? OFFSET ?`;
    const rows = this.statement(sql).all(...params, page.limit, page.offset) as TaskInstanceRow[];
    return rows.map(toTaskInstance);
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= MAX_STATEMENTS) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/** The `WHERE` of the clauses whose value is given (all must hold), and their parameters in order. */
function conditions(clauses: ReadonlyArray<[string, string | number | undefined]>): {
  where: string;
  params: Array<string | number>;
} {
  const given = clauses.filter((clause): clause is [string, string | number] => clause[1] !== undefined);
  return {
    where: given.length > 0 ? `WHERE ${given.map(([sql]) => sql).join(' AND ')}` : '',
    params: given.map(([, value]) => value),
  };
}
