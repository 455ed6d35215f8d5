import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { VersionCache } from '../../src/engine/version-cache.js';
import { WorkflowCatalog } from '../../src/management/workflow-catalog.js';
import type { WorkflowRecord } from '../../src/model/records.js';
import { SecretBox } from '../../src/secrets/secret-box.js';
import { openStore } from '../../src/store/open-store.js';
import { ROW_TYPES } from '../../src/store/postgres/database.js';
import { createPostgresDatabase, postgresSkipReason } from '../helpers/postgres.js';
import type { NewRun, Store } from '../../src/store/store.js';

/** Seeds and inspects rows the ports do not write, on the backend's database. `?` placeholders. */
export type RawSql = (
  sql: string,
  params?: ReadonlyArray<string | number | null>,
) => Promise<Array<Record<string, unknown>>>;

/**
 * The stores the contract suite runs on, each test file on a database of its own. A backend this
 * machine lacks names why in `skipReason` (the tests skip, saying so; CI fails on any skip).
 */
export interface Backend {
  name: string;
  skipReason: string | null;
  open(): Promise<{ store: Store; sql: RawSql; cleanup: () => Promise<void> }>;
}

function sqliteRawSql(db: Database.Database): RawSql {
  return async (sql, params = []) => {
    const statement = db.prepare(sql);
    if (statement.reader) return statement.all(...params) as Array<Record<string, unknown>>;
    statement.run(...params);
    return [];
  };
}

function pgRawSql(pool: pg.Pool): RawSql {
  return async (sql, params = []) => {
    let n = 0;
    const text = sql.replace(/\?/g, () => `$${++n}`);
    return (await pool.query(text, [...params])).rows as Array<Record<string, unknown>>;
  };
}

export const BACKENDS: readonly Backend[] = [
  {
    name: 'sqlite',
    skipReason: null,
    async open() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-contract-'));
      const file = path.join(dir, 'weir.db');
      const store = await openStore(`sqlite:${file}`, { role: 'server' });
      // A second connection for raw rows (WAL lets it read and write beside the store's own).
      const raw = new Database(file);
      return {
        store,
        sql: sqliteRawSql(raw),
        cleanup: async () => {
          raw.close();
          await store.close();
          fs.rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    skipReason: await postgresSkipReason(),
    async open() {
      const database = await createPostgresDatabase();
      const store = await openStore(database.url, { role: 'server', poolSize: 4 });
      const raw = new pg.Pool({ connectionString: database.url, max: 2, types: ROW_TYPES });
      return {
        store,
        sql: pgRawSql(raw),
        cleanup: async () => {
          await raw.end();
          await store.close();
          await database.drop();
        },
      };
    },
  },
];

const SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

/** A workflow with one task (optionally with a `concurrent_limit`), imported through the real catalog. */
export async function importWorkflow(
  store: Store,
  options: { concurrentLimit?: number; runLimit?: number } = {},
): Promise<{ workflow: WorkflowRecord; versionId: number; taskId: number }> {
  const catalog = new WorkflowCatalog({
    store,
    notifier: store.notifier,
    versions: new VersionCache(store.catalog, store.notifier),
    secrets: new SecretBox(SECRET_KEY),
    now: Date.now,
  });
  const workflow = await catalog.importWorkflow(
    {
      workflow: {
        name: 'Contract',
        ...(options.runLimit !== undefined ? { concurrent_run_limit: options.runLimit } : {}),
      },
      tasks: [
        {
          id: 1,
          name: 'Answer',
          action_type: 'Logic::ResponseFormatter',
          ...(options.concurrentLimit !== undefined ? { concurrent_limit: options.concurrentLimit } : {}),
          parameters: { processor: 'Liquid', template: '{"ok": true}', code: 200 },
        },
      ],
      linkages: [{ source_task_id: null, target_task_id: 1, linkage_type: 'Start' }],
    },
    { activate: true },
  );
  const version = await store.catalog.getCurrentVersion(workflow.id);
  if (!version) throw new Error('imported workflow has no version');
  const taskId = version.document.tasks[0]?.id;
  if (typeof taskId !== 'number') throw new Error('imported task has no id');
  return { workflow, versionId: version.id, taskId };
}

/** A standard run of the workflow with its one entry task. */
export function newRun(
  seeded: { workflow: WorkflowRecord; versionId: number; taskId: number },
  now: number,
  extra: Partial<NewRun> = {},
): NewRun {
  return {
    workflowId: seeded.workflow.id,
    versionId: seeded.versionId,
    mode: 'standard',
    priority: 'Medium',
    inputs: {},
    runUser: 'contract',
    idempotencyKey: null,
    idempotencyWindowMs: 24 * 3600 * 1000,
    entryTasks: [{ taskId: seeded.taskId, name: 'Answer', actionType: 'Logic::ResponseFormatter' }],
    claimFor: null,
    now,
    ...extra,
  };
}
