import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from './helpers/assertions.js';
import { databaseBytes, rawRows } from './helpers/database.js';
import type { JsonBody } from './helpers/http.js';
import { pollUntil, waitForRun } from './helpers/runs.js';
import { must, setupWorkflow } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { taskInstancesOf } from './helpers/task-instances.js';
import { link, start, task, uniqueName, workflowDocument } from './helpers/workflows.js';

/**
 * Issue 10, point 8 and the last of point 9: a run's storage grows with what its tasks change, not with
 * Data × task instances (one 4.9 MiB input grew the database by 59 MiB), and an Iterate stores its items
 * once and keeps a cursor (it rewrote its list and Data at each wake-up: the square of its items). The
 * API shows every task instance's Data whole, as before. On SQLite and on PostgreSQL.
 */

let weir: TestWeir;

beforeAll(async () => {
  weir = await startTestWeir();
});
afterAll(async () => {
  await weir?.close();
});

/** Random base64: no store compresses it, so its bytes are what the database holds. */
function incompressible(bytes: number): string {
  return randomBytes(Math.ceil((bytes * 3) / 4))
    .toString('base64')
    .slice(0, bytes);
}

async function instance(id: number): Promise<JsonBody> {
  return must(await weir.api('GET', `/workflows/tasks/${id}`), 200, `task ${id}`);
}

describe('Data stored once', () => {
  it('a 4.9 MiB input through a 5-task workflow grows the database by about the input, not by input × tasks', async () => {
    const workflow = await setupWorkflow(
      weir,
      workflowDocument({
        fields: [{ object_name: 'Workflow', field_name: 'blob', datatype: 'Text', required: true }],
        tasks: [
          task.liquid(1, 'Step 1', '{% assign step1 = 1 %}'),
          task.liquid(2, 'Step 2', '{% assign step2 = 2 %}'),
          task.liquid(3, 'Step 3', '{% assign step3 = 3 %}'),
          task.liquid(4, 'Step 4', '{% assign step4 = 4 %}'),
          task.responseFormatter(5, 'Answer', { template: '{"size": {{ Data.Workflow.blob | size }}}' }),
        ],
        linkages: [start(1), link(1, 2), link(2, 3), link(3, 4), link(4, 5)],
      }),
    );
    const blob = incompressible(Math.floor(4.9 * 1024 * 1024));
    const before = await databaseBytes(weir);
    const response = await workflow.sync({ json: { blob }, timeoutMs: 60_000 });
    expect(response.status, response.text.slice(0, 300)).toBe(200);
    expect(response.body).toEqual({ size: blob.length });
    const growth = (await databaseBytes(weir)) - before;
    // Before: ~12 × the input (every task instance's input and output Data held a copy).
    expect(growth).toBeGreaterThan(blob.length * 0.9);
    expect(growth).toBeLessThan(blob.length * 1.3);

    // The API shows each instance's Data whole, as it was.
    const [run] = must(await weir.api('GET', `/workflows/workflow_runs?workflow_id=${workflow.id}`), 200, 'runs')
      .data as JsonBody[];
    const ids = new Map(
      (
        must(await weir.api('GET', `/workflows/tasks?workflow_id=${run?.id as number}&name=Step 3`), 200, 'tasks')
          .data as JsonBody[]
      ).map((t) => [t.name as string, t.id as number]),
    );
    const step3 = await instance(ids.get('Step 3') as number);
    expect(step3.data.Workflow.blob).toBe(blob);
    expect(step3.data.Liquid).toEqual({ step1: 1, step2: 2 });
    expect(step3.data_out.Workflow.blob).toBe(blob);
    expect(step3.data_out.Liquid).toEqual({ step1: 1, step2: 2, step3: 3 });

    // A rerun starts from the recorded input Data, by reference: nothing of the input is copied.
    const beforeRerun = await databaseBytes(weir);
    const rerun = must(await weir.api('POST', `/workflows/tasks/${step3.id as number}/rerun`), 200, 'rerun');
    expect(rerun).toMatchObject({ status: 'Queued', rerun_of: step3.id, data_out: null });
    expect(rerun.data).toEqual(step3.data);
    await waitForRun(weir, run?.id as number, { timeoutMs: 60_000 });
    const again = await instance(rerun.id as number);
    expect(again).toMatchObject({ status: 'Success' });
    expect(again.data_out.Liquid).toEqual({ step1: 1, step2: 2, step3: 3 });
    expect((await databaseBytes(weir)) - beforeRerun).toBeLessThan(blob.length / 10);
  }, 120_000);

  it('each task instance shows the Data it got and made: a failure branch, parallel branches merged', async () => {
    const workflow = await setupWorkflow(
      weir,
      workflowDocument({
        tasks: [
          task.liquid(1, 'Start', '{% assign a = 1 %}'),
          task.liquid(2, 'Left', '{% assign l = Data.Missing.x %}'),
          task.liquid(3, 'Right', '{% assign r = 2 %}'),
          task.liquid(4, 'Handle', '{% assign h = 3 %}'),
          task.raw(5, 'Join', 'Logic::Merge', {}),
          task.responseFormatter(6, 'Answer', {
            template:
              '{"liquid": {{ Data.Liquid | to_json }}, "failed": {{ Data.Tasks.Previous.ErrorClass | to_json }}}',
          }),
        ],
        linkages: [start(1), link(1, 2), link(1, 3), link(2, 4, 'Failure'), link(4, 5), link(3, 5), link(5, 6)],
      }),
    );
    const response = await workflow.sync();
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ liquid: { a: 1, r: 2, h: 3 }, failed: 'WorkflowError::Liquid' });
    const [run] = must(await weir.api('GET', `/workflows/workflow_runs?workflow_id=${workflow.id}`), 200, 'runs')
      .data as JsonBody[];
    const byName = new Map((await taskInstancesOf(weir, run?.id as number)).map((t) => [t.name, t as JsonBody]));
    const workflowData = byName.get('Start')?.data.Workflow as JsonBody;
    expect(byName.get('Start')).toMatchObject({ data: { Workflow: workflowData }, data_out: { Liquid: { a: 1 } } });
    expect(byName.get('Left')).toMatchObject({ status: 'Error', data: { Liquid: { a: 1 } } });
    const previous = {
      Id: byName.get('Left')?.id,
      Status: 'Error',
      ErrorClass: 'WorkflowError::Liquid',
      ErrorReason: byName.get('Left')?.error,
    };
    expect(byName.get('Handle')?.data).toEqual({
      Workflow: workflowData,
      Liquid: { a: 1 },
      Tasks: { Previous: previous },
    });
    expect(byName.get('Handle')?.data_out).toEqual({
      Workflow: workflowData,
      Liquid: { a: 1, h: 3 },
      Tasks: { Previous: previous },
    });
    const merged = { Workflow: workflowData, Liquid: { a: 1, h: 3, r: 2 }, Tasks: { Previous: previous } };
    expect(byName.get('Join')).toMatchObject({ data: merged, data_out: merged });
    expect(byName.get('Answer')?.data).toEqual(merged);
  });

  it('a chain longer than 32 task instances (a loop) is cut by rebasing, and every instance keeps its Data', async () => {
    const rounds = 45;
    const workflow = await setupWorkflow(
      weir,
      workflowDocument({
        tasks: [
          task.liquid(1, 'Zero', '{% assign n = 0 %}'),
          task.liquid(2, 'Count', '{% assign n = Data.Liquid.n | plus: 1 %}{% assign last = n %}'),
          task.ifTask(3, 'More', `{% if Data.Liquid.n < ${rounds} %}True{% else %}False{% endif %}`),
          task.responseFormatter(4, 'Answer', { template: '{"n": {{ Data.Liquid.n }}}' }),
        ],
        linkages: [start(1), link(1, 2), link(2, 3), link(3, 2, 'True'), link(3, 4, 'False')],
      }),
    );
    const response = await workflow.sync({ timeoutMs: 60_000 });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ n: rounds });
    const [run] = must(await weir.api('GET', `/workflows/workflow_runs?workflow_id=${workflow.id}`), 200, 'runs')
      .data as JsonBody[];
    const runId = run?.id as number;
    const counts = (await taskInstancesOf(weir, runId)).filter((t) => t.name === 'Count') as JsonBody[];
    expect(counts).toHaveLength(rounds);
    // Newest first: the k-th from the end counted to k.
    counts.forEach((count, i) => {
      const n = rounds - i;
      expect(count.data.Liquid).toEqual(n === 1 ? { n: 0 } : { n: n - 1, last: n - 1 });
      expect(count.data_out.Liquid).toEqual({ n, last: n });
    });
    // Stored as changes only, never whole; inputs rebased on the run's initial Data cut the chain.
    const rows = await rawRows(
      weir,
      `SELECT count(*) AS whole, sum(CASE WHEN data_base IS NULL THEN 1 ELSE 0 END) AS rooted
       FROM task_instances WHERE run_id = ? AND (data_in IS NOT NULL OR data_out IS NOT NULL OR data_base IS NULL)`,
      [runId],
    );
    const wholeOrRooted = rows[0] as { whole: number; rooted: number };
    expect(Number(wholeOrRooted.whole)).toBe(Number(wholeOrRooted.rooted));
    // The first task, plus one rebase every 32 instances or so (2 × 45 + 2 instances).
    expect(Number(wholeOrRooted.rooted)).toBeGreaterThanOrEqual(3);
    const [whole] = await rawRows(
      weir,
      'SELECT count(*) AS n FROM task_instances WHERE run_id = ? AND (data_in IS NOT NULL OR data_out IS NOT NULL)',
      [runId],
    );
    expect(Number(whole?.n)).toBe(0);
  });
});

describe('Iterate stores its items once and keeps a cursor', () => {
  function iterateDocument() {
    return workflowDocument({
      name: uniqueName('iterate-linear'),
      fields: [{ object_name: 'Workflow', field_name: 'list', datatype: 'JSON', required: true }],
      tasks: [
        task.raw(1, 'Each', 'Iterate', {
          object: 'CUSTOM LIQUID',
          liquid_statement: '{{ Data.Workflow.list | to_json }}',
          concurrency: '20',
        }),
        task.liquid(2, 'Item', '{% assign n = Data.Iterate %}'),
        task.liquid(3, 'Done', '{% assign done = true %}'),
      ],
      linkages: [start(1), link(1, 2, 'For Each'), link(1, 3, 'Complete')],
    });
  }

  /** Runs the Iterate over `count` items in standard mode; the database's growth per item. */
  async function growthPerItem(workflowId: number, count: number): Promise<{ perItem: number; runId: number }> {
    const before = await databaseBytes(weir);
    const list = Array.from({ length: count }, (_, i) => i);
    const started = must(await weir.api('POST', `/workflows/${workflowId}/run`, { list }), 200, 'run');
    const runId = started.id as number;
    // The list of runs, not the run: its detail reads every task instance.
    await pollUntil(
      async () => {
        const page = must(await weir.api('GET', `/workflows/workflow_runs?workflow_id=${workflowId}`), 200, 'runs');
        const run = (page.data as JsonBody[]).find((r) => r.id === runId);
        return run && run.status === 'Finished' ? run : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 500, description: `the Iterate run over ${count} items finishing` },
    );
    return { perItem: ((await databaseBytes(weir)) - before) / count, runId };
  }

  it('walks 1,500 items writing about the same per item as 300 do: linear, and far below the list', async () => {
    const imported = must(await weir.api('POST', '/workflows/import?activate=true', iterateDocument()), 200, 'import');
    const workflowId = imported.id as number;
    const small = await growthPerItem(workflowId, 300);
    const large = await growthPerItem(workflowId, 1_500);
    // Before: every branch's input and output held the whole list (~7 KB at 1,500 items) and the Iterate
    // rewrote its list at each wake-up, so the bytes per item grew with the items. Now ~300 bytes on
    // SQLite, ~1.2 KB on PostgreSQL (row versions left by updates until vacuum).
    expect(large.perItem).toBeLessThan(3_000);
    expect(large.perItem).toBeLessThan(small.perItem * 1.5 + 200);

    const counts = await rawRows(
      weir,
      `SELECT (SELECT count(*) FROM iteration_items i JOIN task_instances t ON t.id = i.iterate_id
               WHERE t.run_id = ?) AS items,
              (SELECT max(length(data_in_patch)) + max(length(data_out_patch)) FROM task_instances
               WHERE run_id = ?) AS patches,
              (SELECT count(*) FROM task_instances WHERE run_id = ? AND name = 'Item' AND status = 'Success') AS branches`,
      [large.runId, large.runId, large.runId],
    );
    // The items once each; no task instance holds more than a small change (the list is never copied).
    expect(counts[0]).toMatchObject({ items: 1_500, branches: 1_500 });
    expect(Number(counts[0]?.patches)).toBeLessThan(200);
    const done = (await taskInstancesOf(weir, large.runId)).find((t) => t.name === 'Done') as JsonBody;
    expect(done.data.Workflow.list).toHaveLength(1_500);
    expect(done.data_out.Liquid).toEqual({ done: true });
  }, 300_000);

  it('refuses an Iterate without a For Each linkage at import, naming the task; nothing is stored', async () => {
    const before = must(await weir.api('GET', '/workflows?page_length=50'), 200, 'workflows').data.length as number;
    const document = workflowDocument({
      tasks: [
        task.liquid(1, 'Rows', '{% assign n = 1 %}'),
        task.raw(2, 'Each row', 'Iterate', { object: 'Rows' }),
        task.liquid(3, 'After', '{% assign done = true %}'),
      ],
      linkages: [start(1), link(1, 2), link(2, 3, 'Complete')],
    });
    expectErrorEnvelope(await weir.api('POST', '/workflows/import', document), 400, {
      field: 'tasks[1]',
      title:
        'Task "Each row" (Iterate) has no "For Each" linkage, so it would never finish: ' +
        'link the tasks it starts from its "For Each" hook.',
    });
    expect(must(await weir.api('GET', '/workflows?page_length=50'), 200, 'workflows').data.length).toBe(before);
  });
});
