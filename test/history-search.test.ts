import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchTimeoutError } from '../src/model/errors.js';
import { HistoryReader } from '../src/store/sqlite/history-reader.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { expectResponsive, healthWhile } from './helpers/responsiveness.js';
import { waitForRun } from './helpers/runs.js';
import { must, setupWorkflow } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { start, task, uniqueName, workflowDocument } from './helpers/workflows.js';

/**
 * Searching the run history on SQLite (`store/sqlite/history-reader.ts`): a search whose filters no
 * index serves (the inputs' text, the mode, a task name) reads the history back to its start. On the
 * event loop, a text search of 100,000 runs' inputs of 1 KiB held every request for 210 ms; it now runs
 * in a worker thread, and one that outlives its deadline fails with a 503, not a freeze.
 */

let weir: TestWeir;
let databaseFile: string;
let workflowId: number;
let runId: number;

/** Runs added beside the real one: enough that one text search reads ~150 MB on the thread that runs it. */
const HISTORY_RUNS = 100_000;
const INPUT_CHARS = 1_500;

/**
 * Adds `HISTORY_RUNS` finished runs of the workflow, each with `INPUT_CHARS` characters of inputs, as
 * copies of its real run in one statement (through the API this would take minutes). Negative ids: the
 * store's own ids, which it allocates itself, never meet them.
 */
function addLongHistory(): void {
  const db = new Database(databaseFile);
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO runs (id, workflow_id, version_id, seq, status, result, mode, priority, inputs, run_user,
                         created_at, updated_at, started_at, finished_at)
       SELECT -i, r.workflow_id, r.version_id, r.seq, r.status, r.result, r.mode, r.priority,
              json_object('note', hex(zeroblob(? / 2))), r.run_user,
              r.created_at, r.updated_at, r.started_at, r.finished_at
       FROM n, runs r WHERE r.id = ?`,
    ).run(HISTORY_RUNS, INPUT_CHARS, runId);
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  weir = await startTestWeir();
  databaseFile = path.join(weir.dataDir, 'weir.db');
  const workflow = await setupWorkflow(
    weir,
    workflowDocument({
      name: uniqueName('history'),
      tasks: [task.liquid(1, 'Compute', '{% assign answer = 42 %}')],
      linkages: [start(1)],
    }),
  );
  workflowId = workflow.id;
  const started = await workflow.run({ json: {} });
  expect(started.status, started.text).toBe(200);
  runId = started.body.id as number;
  await waitForRun(weir, runId);
  addLongHistory();
}, 120_000);

afterAll(async () => {
  await weir?.close();
});

describe('searching a long run history on SQLite', () => {
  it('reads the whole history off the event loop: other requests are answered meanwhile', async () => {
    const search = async (): Promise<number> => {
      const started = performance.now();
      const found = must(await weir.api('GET', '/workflows/workflow_runs?input=no%20such%20text'), 200, 'search');
      expect(found.data).toEqual([]);
      return performance.now() - started;
    };
    await search();
    const searches = (async () => {
      const durations: number[] = [];
      for (let i = 0; i < 4; i += 1) durations.push(await search());
      return durations;
    })();
    const times = await healthWhile(weir, searches);
    // Each search read the whole history (the guard that this measured something), and /health was
    // answered throughout: on the event loop, these searches held every answer for their duration.
    expect(Math.min(...times.result)).toBeGreaterThan(100);
    expectResponsive(times, 10);
  });

  it('finds what the search asks, the newest first, as on the event loop', async () => {
    const mine = must(await weir.api('GET', `/workflows/workflow_runs?workflow_id=${workflowId}`), 200, 'list');
    expect(mine.data.slice(0, 10).map((run: { id: number }) => run.id)).toEqual([
      runId,
      -1,
      -2,
      -3,
      -4,
      -5,
      -6,
      -7,
      -8,
      -9,
    ]);
    const noted = must(await weir.api('GET', '/workflows/workflow_runs?input=0000'), 200, 'search');
    expect(noted.data[0].id).toBe(-1);
  });

  it('fails a search past its deadline with a 503, and the next search is answered', async () => {
    const reader = new HistoryReader(databaseFile, 20);
    const filter = { inputText: 'no such text' };
    await expect(reader.run({ kind: 'runs', filter, page: { offset: 0, limit: 10 } })).rejects.toBeInstanceOf(
      SearchTimeoutError,
    );
    // The thread that read past the deadline was stopped; a new one answers (after the old one's statement ends).
    const next = must(await weir.api('GET', `/workflows/workflow_runs?workflow_id=${workflowId}`), 200, 'list');
    expect(next.data[0].id).toBe(runId);
  });

  it('closes its connection before the store closes, so a stopped Weir leaves weir.db whole, without a WAL', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-history-close-'));
    try {
      const file = path.join(dir, 'weir.db');
      const store = SqliteStore.open(file, { lockWaitMs: 1_000 });
      expect(await store.reads.listRuns({ inputText: 'anything' }, { offset: 0, limit: 10 })).toEqual([]);
      expect(fs.existsSync(`${file}-wal`)).toBe(true);
      await store.close();
      // The last connection closed checkpointed the WAL into the file and removed it.
      expect(fs.existsSync(`${file}-wal`)).toBe(false);
      // And the thread opens it no more: a search of the closed store fails (503, the store cannot be reached).
      await expect(store.reads.listRuns({}, { offset: 0, limit: 10 })).rejects.toMatchObject({
        code: 'SQLITE_CANTOPEN',
      });
      expect(fs.existsSync(`${file}-wal`)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
