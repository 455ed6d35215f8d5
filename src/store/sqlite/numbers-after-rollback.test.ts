import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, openDatabase } from './database.js';
import { IdAllocator } from './id-allocator.js';
import { RunCounters } from './run-counters.js';
import type Database from 'better-sqlite3';

/**
 * A drafted responsive run takes its ids and run number outside any batch and writes them later
 * (engine/run-draft.ts). A batch that fails meanwhile must not hand them out again.
 */
describe('ids and run numbers after a batch rolled back', () => {
  let dir: string;
  let db: Database.Database;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-numbers-'));
    db = openDatabase(path.join(dir, 'weir.db'));
    migrate(db);
  });

  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an id handed out from a block whose reservation rolled back is never handed out again', () => {
    const ids = new IdAllocator(db);
    db.exec('BEGIN IMMEDIATE');
    const taken = [ids.next('task'), ids.next('task')];
    db.exec('ROLLBACK');
    ids.reset();
    const next = ids.next('task');
    expect(next).toBeGreaterThan(Math.max(...taken));
    // And the sequence row is past it, for whatever reserves next.
    const row = db.prepare("SELECT next_value FROM sequences WHERE name = 'task'").get() as { next_value: number };
    expect(row.next_value).toBeGreaterThan(next);
  });

  it('a run number handed out before a batch failed is not handed out again, and is stored by the next commit', () => {
    const now = Date.now();
    db.prepare(
      `INSERT INTO workflows (id, name, description, status, api_token_sealed, basic_username, basic_password_sealed,
                              run_count, created_at, updated_at)
       VALUES (1, 'w', '', 'Active', '', '', '', 4, ?, ?)`,
    ).run(now, now);
    const counters = new RunCounters(db);
    const drafted = counters.next(1, now);
    expect(drafted?.seq).toBe(5);
    counters.afterFailure();
    expect(counters.next(1, now + 1)?.seq).toBe(6);
    counters.beforeCommit();
    const row = db.prepare('SELECT run_count FROM workflows WHERE id = 1').get() as { run_count: number };
    expect(row.run_count).toBe(6);
  });
});
