import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDocument } from '../src/model/workflow-document.js';
import { expectRunSucceeds } from './helpers/runs.js';
import { must, setupWorkflow, type ApiClient } from './helpers/setup-workflow.js';
import { fetchToken, startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { responseFormatterWorkflow, start, task, workflowDocument } from './helpers/workflows.js';

/**
 * issue 4 "Retention": runs finished for `delete_ttl` days go with their task instances, in the
 * background, in batches of 500 rows that never hold up a trigger; runs with live task instances stay.
 * The clock is injected; the sweeper is driven with `tick(now)`.
 */

const DAY_MS = 24 * 60 * 60 * 1000;
const T0 = Date.parse('2026-04-01T10:00:00Z');

let clock = T0;
let weir: TestWeir;
let token = '';
const api: ApiClient = {
  get url() {
    return weir.url;
  },
  api: (method, urlPath, body, options = {}) => weir.api(method, urlPath, body, { token, ...options }),
};

async function setClock(time: number): Promise<void> {
  clock = time;
  token = await fetchToken(weir.url);
}

beforeAll(async () => {
  weir = await startTestWeir({}, { now: () => clock, hasBackgroundTimers: false });
  token = weir.token;
});

afterAll(async () => {
  await weir?.close();
});

function withTtl(days: number | null): WorkflowDocument {
  const document = responseFormatterWorkflow({ template: '{"ok": true}' });
  return { ...document, workflow: { ...document.workflow, delete_ttl: days } };
}

async function runStatus(id: number): Promise<number> {
  return (await api.api('GET', `/workflows/workflow_runs/${id}`)).status;
}

function openDatabase(): Database.Database {
  const db = new Database(path.join(weir.dataDir, 'weir.db'));
  db.pragma('busy_timeout = 5000');
  return db;
}

describe('delete_ttl', () => {
  it('deletes runs finished delete_ttl days ago with their task instances; keeps the rest', async () => {
    await setClock(T0);
    const oneDay = await setupWorkflow(api, withTtl(1));
    const keepForever = await setupWorkflow(api, withTtl(null));
    const expiring = [must(await oneDay.run(), 200, 'run'), must(await oneDay.run(), 200, 'run')];
    const live = must(await oneDay.run(), 200, 'run');
    const kept = must(await keepForever.run(), 200, 'run');
    for (const run of [...expiring, live, kept]) await expectRunSucceeds(api, run.id);

    // A finished run whose task instance is live again (as a rerun makes it): never deleted.
    const db = openDatabase();
    db.prepare("UPDATE task_instances SET status = 'Pending', due_at = ? WHERE run_id = ?").run(
      T0 + 365 * DAY_MS,
      live.id,
    );
    const instanceIds = (
      db.prepare('SELECT id FROM task_instances WHERE run_id IN (?, ?)').all(expiring[0].id, expiring[1].id) as Array<{
        id: number;
      }>
    ).map((row) => row.id);
    expect(instanceIds).toHaveLength(2);

    await setClock(T0 + DAY_MS - 1000);
    const early = await weir.running.retention.tick(clock);
    expect(early.runs).toBe(0);
    for (const run of [...expiring, live, kept]) expect(await runStatus(run.id)).toBe(200);

    await setClock(T0 + DAY_MS + 1000);
    const due = await weir.running.retention.tick(clock);
    expect(due.runs).toBe(2);
    expect(due.taskInstances).toBe(2);
    for (const run of expiring) expect(await runStatus(run.id)).toBe(404);
    expect(await runStatus(live.id)).toBe(200);
    expect(await runStatus(kept.id)).toBe(200);
    const left = db
      .prepare(`SELECT count(*) AS n FROM task_instances WHERE id IN (${instanceIds.map(() => '?').join(',')})`)
      .get(...instanceIds) as { n: number };
    expect(left.n).toBe(0);
    db.close();

    // A TTL set later applies to runs already finished.
    must(await api.api('PATCH', `/workflows/${keepForever.id}`, { delete_ttl: 1 }), 200, 'set ttl');
    expect((await weir.running.retention.tick(clock)).runs).toBe(1);
    expect(await runStatus(kept.id)).toBe(404);
  });

  it('deletes the large inputs a run keeps apart with the run', async () => {
    await setClock(T0);
    const document = workflowDocument({
      fields: [{ object_name: 'Workflow', field_name: 'blob', datatype: 'Text', required: true }],
      tasks: [task.responseFormatter(1, 'Answer', { template: '{"size": {{ Data.Workflow.blob | size }}}' })],
      linkages: [start(1)],
    });
    const workflow = await setupWorkflow(api, { ...document, workflow: { ...document.workflow, delete_ttl: 1 } });
    const run = must(await workflow.run({ json: { blob: 'x'.repeat(10_000) } }), 200, 'run');
    await expectRunSucceeds(api, run.id);
    const db = openDatabase();
    const inputsOf = db.prepare('SELECT count(*) AS n FROM run_inputs WHERE run_id = ?');
    expect(inputsOf.get(run.id)).toEqual({ n: 1 });
    await setClock(T0 + DAY_MS + 1000);
    expect((await weir.running.retention.tick(clock)).runs).toBe(1);
    expect(await runStatus(run.id)).toBe(404);
    expect(inputsOf.get(run.id)).toEqual({ n: 0 });
    db.close();
  });

  it('deletes in transactions of at most 500 rows, and a trigger is answered while it goes on', async () => {
    await setClock(T0);
    const workflow = await setupWorkflow(api, withTtl(2));
    const versionId = workflow.workflow.active_version.id as number;
    const db = openDatabase();
    // 3,000 old finished runs with 2 task instances each: 9,000 rows.
    const finishedAt = T0 - 10 * DAY_MS;
    const insertRun = db.prepare(`
      INSERT INTO runs (id, workflow_id, version_id, seq, status, result, mode, priority, inputs, run_user,
                        created_at, updated_at, started_at, finished_at)
      VALUES (?, ?, ?, ?, 'Finished', 'Success', 'standard', 'Medium', '{}', 'seed', ?, ?, ?, ?)`);
    const insertInstance = db.prepare(`
      INSERT INTO task_instances (id, run_id, workflow_id, version_id, task_id, name, action_type, status,
                                  priority_rank, created_at, updated_at)
      VALUES (?, ?, ?, ?, 1, 'seeded', 'Logic::Liquid', 'Success', 1, ?, ?)`);
    db.transaction(() => {
      for (let i = 0; i < 3000; i += 1) {
        const runId = 900_000_000 + i;
        insertRun.run(runId, workflow.id, versionId, 100_000 + i, finishedAt, finishedAt, finishedAt, finishedAt);
        insertInstance.run(800_000_000 + 2 * i, runId, workflow.id, versionId, finishedAt, finishedAt);
        insertInstance.run(800_000_001 + 2 * i, runId, workflow.id, versionId, finishedAt, finishedAt);
      }
    })();
    db.close();

    let sweptAt = 0;
    const sweep = weir.running.retention.tick(clock).then((result) => {
      sweptAt = performance.now();
      return result;
    });
    const triggered = await workflow.run();
    const answeredAt = performance.now();
    expect(triggered.status, triggered.text).toBe(200);
    const result = await sweep;
    // The trigger was answered before the sweep was over: the sweep yields between batches.
    expect(answeredAt).toBeLessThan(sweptAt);
    expect(result.runs).toBe(3000);
    expect(result.taskInstances).toBe(6000);
    // 9,000 rows in batches of at most 500.
    expect(result.batches).toBeGreaterThanOrEqual(18);
    await expectRunSucceeds(api, triggered.body.id);
    expect(await runStatus(triggered.body.id)).toBe(200);
  });
});
