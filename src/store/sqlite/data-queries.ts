import type Database from 'better-sqlite3';
import { DataRebuild, runsRootedIn, type DataRow, type RebuiltData } from '../data-rebuild.js';
import { toRun, type RunRow } from '../rows.js';
import { SELECT_RUN_WITH_INPUTS } from './run-columns.js';

/** Items written per INSERT statement: 100 rows of 3 values, far below SQLite's 32,766 bound values. */
const ITEMS_PER_STATEMENT = 100;

/**
 * Task instances' `Data` and Iterate items on SQLite: the rows `Data` is rebuilt from (one recursive
 * query along the chains of bases), and the items an Iterate stores once and reads by index.
 */
export class SqliteDataQueries {
  private readonly selectChains;
  private readonly selectRuns;
  private readonly insertItems;
  private readonly insertItem;
  private readonly selectItems;

  constructor(db: Database.Database) {
    // From each instance asked for, down its bases: the input Data of an instance asked for, then the
    // output Data of each base, which needs its own base only when its output is not stored whole.
    this.selectChains = db.prepare(`
      WITH RECURSIVE chain(id, is_start) AS (
        SELECT value, 1 FROM json_each(@ids)
        UNION
        SELECT t.data_base, 0 FROM chain JOIN task_instances t ON t.id = chain.id
        WHERE t.data_base IS NOT NULL AND t.data_in IS NULL AND (chain.is_start = 1 OR t.data_out IS NULL)
      )
      SELECT id, run_id, data_base, data_in, data_in_patch, data_out, data_out_patch
      FROM task_instances WHERE id IN (SELECT id FROM chain)`);
    this.selectRuns = db.prepare(`${SELECT_RUN_WITH_INPUTS} WHERE id IN (SELECT value FROM json_each(?))`);
    const rows = Array.from({ length: ITEMS_PER_STATEMENT }, () => '(?, ?, ?)').join(', ');
    this.insertItems = db.prepare(`INSERT INTO iteration_items (iterate_id, idx, item) VALUES ${rows}`);
    this.insertItem = db.prepare('INSERT INTO iteration_items (iterate_id, idx, item) VALUES (?, ?, ?)');
    this.selectItems = db.prepare(`
      SELECT item FROM iteration_items WHERE iterate_id = ? AND idx >= ? ORDER BY idx LIMIT ?`);
  }

  /** The rows the `Data` of `ids` (and the initial `Data` of `alsoRuns`) is rebuilt from, ready to rebuild it. */
  rebuild(ids: readonly number[], alsoRuns: readonly number[] = []): DataRebuild {
    const rows = ids.length === 0 ? [] : (this.selectChains.all({ ids: JSON.stringify(ids) }) as DataRow[]);
    const runIds = [...new Set([...runsRootedIn(rows), ...alsoRuns])];
    const runs = runIds.length === 0 ? [] : (this.selectRuns.all(JSON.stringify(runIds)) as RunRow[]).map(toRun);
    return new DataRebuild(new Map(rows.map((row) => [row.id, row])), new Map(runs.map((run) => [run.id, run])));
  }

  readData(ids: readonly number[], runIds: readonly number[] = []): RebuiltData {
    return this.rebuild(ids, runIds).result(ids, runIds);
  }

  /**
   * One statement per hundred items (100,000 items: 1,000 statements, ~0.2 s in one transaction). Each
   * item's JSON comes from JavaScript: SQLite's json_each would print numbers again in its own way
   * (0.30000000000000004 as 0.3), and taking elements out of the text one by one parses it each time.
   */
  insertIterationItems(iterateId: number, items: readonly string[]): void {
    let i = 0;
    for (; i + ITEMS_PER_STATEMENT <= items.length; i += ITEMS_PER_STATEMENT) {
      const values: Array<number | string> = [];
      for (let j = i; j < i + ITEMS_PER_STATEMENT; j++) values.push(iterateId, j, items[j] ?? 'null');
      this.insertItems.run(values);
    }
    for (; i < items.length; i++) this.insertItem.run(iterateId, i, items[i] ?? 'null');
  }

  iterationItems(iterateId: number, from: number, count: number): string[] {
    if (count <= 0) return [];
    return (this.selectItems.all(iterateId, from, count) as Array<{ item: string }>).map((row) => row.item);
  }
}
