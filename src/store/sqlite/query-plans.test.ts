import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryQueries } from './history-queries.js';
import { SqliteStore } from './sqlite-store.js';

/**
 * Issue 14 asks for "indexes justified by a query". Every statement the SQLite store prepares is
 * captured as it is prepared (the engine's statements when the store opens, the API's list queries when
 * they run), and SQLite's own plan for each is read with `EXPLAIN QUERY PLAN`:
 * - every index of the schema serves at least one of them (an index no query uses only costs writes);
 * - no statement the engine runs walks `runs` or `task_instances` beyond live work: each step finds
 *   its rows by a key (a run, a workflow, a task, a node, a parent task instance) or walks a partial
 *   index whose rows are only live task instances. Finished runs grow without bound; a walk over them
 *   on the engine's path grows with them (the sub-run check once took 9 ms on 100,000 finished runs).
 */

/** Partial indexes on live statuses: their rows are the work in flight, never the history. */
const LIVE_WORK_INDEXES = new Set([
  'task_instances_queued',
  'task_instances_due',
  'task_instances_processing',
  'task_instances_processing_by_task',
]);

/** Leading columns that pick the rows of one run, workflow, task, node or parent. */
const KEY_COLUMNS = new Set(['id', 'run_id', 'workflow_id', 'task_id', 'locked_by', 'parent_task_instance_id']);

interface PlanStep {
  detail: string;
}

/**
 * SQLite's plan for `sql`, with the values it was first run with (`bound`), else null for every
 * parameter: a partial index on a value (`result = 'Error'`) is used only when the value bound is that one.
 */
function planOf(db: Database.Database, sql: string, bound?: unknown[]): PlanStep[] {
  const statement = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  if (bound) return statement.all(...bound) as PlanStep[];
  const named = [...new Set([...sql.matchAll(/@(\w+)/g)].map((match) => match[1] as string))];
  const positional = (sql.match(/\?/g) ?? []).length;
  return (
    named.length > 0
      ? statement.all(Object.fromEntries(named.map((name) => [name, null])))
      : statement.all(...Array<null>(positional).fill(null))
  ) as PlanStep[];
}

const SQL_WORDS = new Set([
  'ON',
  'WHERE',
  'JOIN',
  'SET',
  'USING',
  'INDEXED',
  'LEFT',
  'CROSS',
  'ORDER',
  'LIMIT',
  'GROUP',
]);

/** The names `runs` and `task_instances` go by in a statement: themselves and their aliases. */
function historyTableNames(sql: string): Set<string> {
  const names = new Set(['runs', 'task_instances']);
  for (const match of sql.matchAll(/\b(?:runs|task_instances)\s+(?:AS\s+)?(\w+)/gi)) {
    const alias = match[1] as string;
    if (!SQL_WORDS.has(alias.toUpperCase())) names.add(alias);
  }
  return names;
}

/**
 * Why a plan step over `runs` or `task_instances` (`tables`: their names in the statement) may grow
 * with the history, or null when it cannot.
 */
function unboundedStep(detail: string, tables: Set<string>): string | null {
  const step = /^(SCAN|SEARCH) (\w+)\b(.*)$/.exec(detail);
  if (!step || !tables.has(step[2] as string)) return null;
  const [, kind, , rest = ''] = step;
  if (/USING (?:INTEGER )?PRIMARY KEY/.test(rest)) return null;
  const index = /USING (?:COVERING )?INDEX (\w+)(?: \((\w+)[=><])?/.exec(rest);
  if (index && LIVE_WORK_INDEXES.has(index[1] as string)) return null;
  if (kind === 'SEARCH' && index?.[2] !== undefined && KEY_COLUMNS.has(index[2])) return null;
  return detail;
}

describe('SQLite query plans', () => {
  let dir: string;
  let store: SqliteStore;
  let db: Database.Database;
  let searchDb: Database.Database | undefined;
  /** The store's own statements, prepared when it opens (the engine's hot path). */
  const atOpen = new Set<string>();
  /** Every statement prepared, the list queries included. */
  const all = new Set<string>();
  /** The values the list queries ran with, by their SQL. */
  const boundBy = new Map<string, unknown[]>();
  /** The SQL of the list query each filter below ran. */
  const listQuery = new Map<string, string>();
  const prepare = Database.prototype.prepare;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-plans-'));
    let capture = atOpen;
    let lastSql = '';
    Database.prototype.prepare = function (this: Database.Database, sql: string) {
      capture.add(sql);
      all.add(sql);
      lastSql = sql;
      const statement = prepare.call(this, sql);
      if (capture !== atOpen) {
        // A list query, prepared for one call: its values are kept for its plan.
        const run = statement.all.bind(statement) as (...values: unknown[]) => unknown[];
        statement.all = ((...values: unknown[]) => {
          boundBy.set(sql, values);
          return run(...values);
        }) as typeof statement.all;
      }
      return statement;
    } as typeof prepare;
    try {
      store = SqliteStore.open(path.join(dir, 'weir.db'), { lockWaitMs: 1_000 });
      capture = new Set();
      // The API's list queries run in the history thread (history-reader.ts); their SQL is built here
      // by the same class, from the filters given: the ones an index exists for.
      searchDb = new Database(path.join(dir, 'weir.db'));
      const searches = new HistoryQueries(searchDb);
      const page = { offset: 0, limit: 20 };
      const list = async (name: string, read: () => unknown): Promise<void> => {
        await read();
        listQuery.set(name, lastSql);
      };
      await list('runs', () => searches.listRuns({}, page));
      await list('runs of a workflow', () => searches.listRuns({ workflowId: 1 }, page));
      await list('runs by status', () => searches.listRuns({ status: 'Queued' }, page));
      await list('runs of a workflow by status', () =>
        searches.listRuns({ workflowId: 1, status: 'Processing' }, page),
      );
      await list('failed runs', () => searches.listRuns({ result: 'Error' }, page));
      await list('failed runs of a workflow', () => searches.listRuns({ workflowId: 1, result: 'Error' }, page));
      await list('task instances of a run', () => searches.findTaskInstances({ runId: 1 }, page));
      await list('failed task instances', () => searches.findTaskInstances({ status: 'Error' }, page));
    } finally {
      Database.prototype.prepare = prepare;
    }
    db = new Database(path.join(dir, 'weir.db'), { readonly: true });
  });

  afterAll(async () => {
    db.close();
    searchDb?.close();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function queries(statements: Set<string>): string[] {
    return [...statements].filter((sql) => /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i.test(sql));
  }

  it('captures the store statements (the check below has something to check)', () => {
    expect(queries(atOpen).length).toBeGreaterThan(40);
  });

  it('every index serves at least one query', () => {
    const indexes = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").all() as Array<{
        name: string;
      }>
    ).map((row) => row.name);
    expect(indexes.length).toBeGreaterThan(10);
    const used = new Set<string>();
    for (const sql of queries(all)) {
      for (const { detail } of planOf(db, sql, boundBy.get(sql))) {
        const index = /USING (?:COVERING )?INDEX (\w+)/.exec(detail)?.[1];
        if (index) used.add(index);
      }
    }
    expect(indexes.filter((name) => !used.has(name))).toEqual([]);
  });

  it('no engine statement walks runs or task instances beyond live work', () => {
    const walks = queries(atOpen).flatMap((sql) =>
      planOf(db, sql).flatMap(({ detail }) => {
        const why = unboundedStep(detail, historyTableNames(sql));
        return why ? [`${why}  <-  ${sql.replace(/\s+/g, ' ').trim().slice(0, 120)}`] : [];
      }),
    );
    expect(walks).toEqual([]);
  });

  it('the sub-run check finds the child run by its parent', () => {
    const subRunCheck = queries(atOpen).find((sql) => /parent_task_instance_id = \?/.test(sql));
    expect(subRunCheck).toBeDefined();
    const details = planOf(db, subRunCheck as string).map((step) => step.detail);
    expect(
      details.some((detail) => /USING (COVERING )?INDEX runs_by_parent \(parent_task_instance_id=\?\)/.test(detail)),
    ).toBe(true);
  });

  it('the failure filters read the failed rows only, not the history', () => {
    const uses = (name: string): string[] => {
      const sql = listQuery.get(name) as string;
      return planOf(db, sql, boundBy.get(sql)).map((step) => step.detail);
    };
    expect(uses('failed runs')).toContainEqual(expect.stringMatching(/USING (COVERING )?INDEX runs_failed\b/));
    expect(uses('failed runs of a workflow')).toContainEqual(
      expect.stringMatching(/USING (COVERING )?INDEX runs_failed_by_workflow \(workflow_id=\?\)/),
    );
    expect(uses('failed task instances')).toContainEqual(
      expect.stringMatching(/USING (COVERING )?INDEX task_instances_failed\b/),
    );
  });

  it('the rule catches a walk over finished runs (the sub-run check before its index, retention before its join order)', () => {
    const tables = historyTableNames('SELECT r.id FROM versions v JOIN runs r ON r.workflow_id = v.workflow_id');
    expect([...tables].sort()).toEqual(['r', 'runs', 'task_instances']);
    expect(unboundedStep('SEARCH r USING INDEX runs_by_status (status=?)', tables)).not.toBeNull();
    expect(unboundedStep('SCAN task_instances', tables)).not.toBeNull();
    expect(unboundedStep('SEARCH r USING INDEX runs_by_parent (parent_task_instance_id=?)', tables)).toBeNull();
    expect(unboundedStep('SCAN task_instances USING INDEX task_instances_processing', tables)).toBeNull();
    expect(unboundedStep('SCAN v', tables)).toBeNull();
  });
});
