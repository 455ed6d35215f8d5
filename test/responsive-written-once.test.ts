import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import { parsePrometheus } from './helpers/prometheus.js';
import { expectRunSucceeds, getRun, listRuns, pollUntil, sleep } from './helpers/runs.js';
import { must, setupWorkflow, type ApiClient } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { taskInstancesOf } from './helpers/task-instances.js';
import { createPostgresDatabase } from './helpers/postgres.js';
import { startWeirProcess } from './helpers/weir-process.js';
import { link, start, task, uniqueName, workflowDocument } from './helpers/workflows.js';

/**
 * Issue 14, "one write of a finished single-task responsive run is the floor": a responsive run is
 * executed from memory and written once, as it is, when it must exist in the store: final (before its
 * answer), before a task with side effects, when it waits, at the `/sync` timeout, at shutdown
 * (docs/architecture.md, "A responsive run written once"). On both stores.
 */

let weir: TestWeir;
let target: CalloutTarget;

beforeAll(async () => {
  [weir, target] = await Promise.all([startTestWeir({ syncTimeoutSeconds: 20 }), startCalloutTarget()]);
});

afterAll(async () => {
  await Promise.all([weir?.close(), target?.close()]);
});

/** Start → Liquid (t1 = n × 3 + 1) → Liquid (t2 = t1 × 3 + 2) → ResponseFormatter answering both. */
function chainWorkflow() {
  return workflowDocument({
    name: uniqueName('written once'),
    fields: [{ callout_id: 'n', object_name: 'Workflow', field_name: 'n', datatype: 'Integer', required: true }],
    tasks: [
      task.liquid(1, 'First', '{% assign t1 = Data.Workflow.n | times: 3 | plus: 1 %}'),
      task.liquid(2, 'Second', '{% assign t2 = Data.Liquid.t1 | times: 3 | plus: 2 %}'),
      task.responseFormatter(3, 'Answer', {
        template: '{"t1": {{ Data.Liquid.t1 }}, "t2": {{ Data.Liquid.t2 }}}',
        code: 201,
      }),
    ],
    linkages: [start(1), link(1, 2), link(2, 3)],
  });
}

/** Writes committed by the store so far: the sum of the group commit's batch sizes. */
async function committedWrites(client: ApiClient): Promise<number> {
  const answer = await client.api('GET', '/metrics');
  expect(answer.status, answer.text).toBe(200);
  const metrics = parsePrometheus(answer.text);
  return metrics.value('weir_commit_batch_size_sum') ?? 0;
}

/** Start → JavaScript busy for `ms` (a task without side effects), → ResponseFormatter. */
function slowScriptWorkflow(ms: number) {
  return workflowDocument({
    name: uniqueName('slow script'),
    tasks: [
      task.raw(1, 'Think', 'Script::JavaScript', {
        code: `function step() { const end = Date.now() + ${ms}; while (Date.now() < end) {} return { thought: true }; }`,
      }),
      task.responseFormatter(2, 'Answer', { template: '{"thought": {{ Data.JavaScript.thought }}}' }),
    ],
    linkages: [start(1), link(1, 2)],
  });
}

describe('a responsive run written once', () => {
  it('a run of tasks without side effects answers from one write holding the final run and every task instance', async () => {
    const workflow = await setupWorkflow(weir, chainWorkflow());
    // Warm: the version is compiled and cached, the metrics exist.
    must(await workflow.sync({ json: { n: 0 } }), 201, 'a first run');
    const runs = 20;
    const before = await committedWrites(weir);
    for (let n = 1; n <= runs; n += 1) {
      const answer = await workflow.sync({ json: { n } });
      expect(answer.status, answer.text).toBe(201);
      expect(answer.body).toEqual({ t1: n * 3 + 1, t2: (n * 3 + 1) * 3 + 2 });
    }
    const writes = (await committedWrites(weir)) - before;
    // One write per run (heartbeats and lease sweeps may add a few); stored step by step it was 4 per run.
    expect(writes).toBeGreaterThanOrEqual(runs);
    expect(writes).toBeLessThan(runs + 6);

    const [newest] = await listRuns(weir, { workflow_id: String(workflow.id) });
    const run = await expectRunSucceeds(weir, newest.id);
    expect(run.tasks).toEqual({ total: 3, queued: 0, processing: 0, pending: 0, stopped: 0, success: 3, error: 0 });
    const instances = await taskInstancesOf(weir, newest.id);
    const byName = new Map(instances.map((instance) => [instance.name, instance]));
    expect(byName.get('First')?.data_out.Liquid).toEqual({ t1: runs * 3 + 1 });
    expect(byName.get('Second')?.data_out.Liquid).toEqual({ t1: runs * 3 + 1, t2: (runs * 3 + 1) * 3 + 2 });
    expect(instances.every((instance) => instance.status === 'Success')).toBe(true);
  });

  it('a task with side effects starts only once the run is stored', async () => {
    const calloutPath = '/written-once/callout';
    let seenByTarget: Array<{ id: number; status: string }> | undefined;
    let workflowId = 0;
    target.on(calloutPath, () => ({ body: { ok: true } }));
    const document = workflowDocument({
      name: uniqueName('liquid then callout'),
      tasks: [
        task.liquid(1, 'Prepare', '{% assign prepared = true %}'),
        task.callout(2, 'Call', { url: target.url(calloutPath) }),
      ],
      linkages: [start(1), link(1, 2)],
    });
    const workflow = await setupWorkflow(weir, document);
    workflowId = workflow.id;
    // When the callout arrives, the target asks Weir for the workflow's runs: the run must be there.
    target.on(calloutPath, () => {
      void listRuns(weir, { workflow_id: String(workflowId) }).then((runs) => {
        seenByTarget = runs.map((run) => ({ id: run.id as number, status: run.status as string }));
      });
      return { body: { ok: true }, delayMs: 300 };
    });
    const answer = await workflow.sync({ json: {} });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.Liquid).toEqual({ prepared: true });
    await pollUntil(async () => seenByTarget, { timeoutMs: 5_000, description: 'the target read the runs' });
    expect(seenByTarget).toHaveLength(1);
    expect(seenByTarget?.[0]?.status).toBe('Processing');
  });

  it('with a run limit, a responsive run holds its slot from the start: the next one is queued (212)', async () => {
    const document = slowScriptWorkflow(1_500);
    document.workflow.concurrent_run_limit = 1;
    const workflow = await setupWorkflow(weir, document);
    const first = workflow.sync({ json: {} });
    await sleep(400);
    const second = await workflow.sync({ json: {} });
    expect(second.status, second.text).toBe(212);
    expect((await first).status).toBe(200);
    await expectRunSucceeds(weir, second.body.id as number);
  });

  it('a run still going at the /sync timeout is stored before the 408 names it, and finishes', async () => {
    const impatient = await startTestWeir({ syncTimeoutSeconds: 1 });
    try {
      await expectStoredAtTimeout(impatient);
    } finally {
      await impatient.close();
    }
  });
});

async function expectStoredAtTimeout(weir: TestWeir): Promise<void> {
  {
    const workflow = await setupWorkflow(weir, slowScriptWorkflow(2_500));
    const answer = await workflow.sync({ json: {} });
    expect(answer.status, answer.text).toBe(408);
    expect(answer.headers.location).toBe(`/workflows/workflow_runs/${answer.body.run.id}`);
    const runId = answer.body.run.id as number;
    expect(runId).toBeTypeOf('number');
    const seen = await getRun(weir, runId);
    expect(['Processing', 'Finished']).toContain(seen.status);
    const run = await expectRunSucceeds(weir, runId);
    expect(run.tasks.success).toBe(2);
  }
}

describe('shutdown with a responsive run only in memory', () => {
  const dirs: string[] = [];
  const drops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    for (const drop of drops) await drop();
  });

  it('is written and released at the grace, then finishes after the restart', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'weir-draft-shutdown-'));
    dirs.push(dataDir);
    // The project's store: a database of its own on PostgreSQL, the data dir's file on SQLite.
    const database = process.env.WEIR_TEST_STORE === 'postgres' ? await createPostgresDatabase() : undefined;
    if (database) drops.push(database.drop);
    const databaseUrl = database ? { databaseUrl: database.url } : {};
    const first = await startWeirProcess({ dataDir, ...databaseUrl, env: { WEIR_SHUTDOWN_GRACE_SECONDS: '1' } });
    try {
      const client = await first.client();
      const workflow = await setupWorkflow(client, slowScriptWorkflow(4_000));
      const answered = workflow.sync({ json: {} }).catch((error: unknown) => error);
      await sleep(700);
      await first.stop(15_000);
      await answered;
    } finally {
      await first.kill();
    }
    const second = await startWeirProcess({ dataDir, ...databaseUrl });
    try {
      const client = await second.client();
      const workflows = must(await client.api('GET', '/workflows'), 200, 'workflows').data as Array<{ id: number }>;
      const [only] = workflows;
      const runs = await pollUntil(
        async () => {
          const listed = await listRuns(client, { workflow_id: String(only?.id) });
          return listed.length === 1 && listed[0]?.status === 'Finished' ? listed : undefined;
        },
        { timeoutMs: 30_000, description: 'the released run finished after the restart' },
      );
      const run = await getRun(client, runs[0]?.id as number);
      expect(run.result).toBe('Success');
    } finally {
      await second.kill();
    }
  });
});
