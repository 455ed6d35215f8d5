import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskDefinition } from '../src/model/workflow-document.js';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import { expectRunSucceeds, getRun, waitForRun } from './helpers/runs.js';
import { must, setupWorkflow } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { link, start, task, workflowDocument } from './helpers/workflows.js';

function raw(id: number, name: string, actionType: string, parameters: Record<string, unknown>): TaskDefinition {
  return task.raw(id, name, actionType, parameters);
}

let weir: TestWeir;
let target: CalloutTarget;

beforeAll(async () => {
  weir = await startTestWeir();
  target = await startCalloutTarget();
});
afterAll(async () => {
  await weir?.close();
  await target?.close();
});

async function tasksOf(runId: number) {
  const page = must(await weir.api('GET', `/workflows/tasks?workflow_id=${runId}&page_length=100`), 200, 'tasks');
  return page.data as Array<Record<string, unknown> & { id: number; name: string; status: string }>;
}

describe('Iterate', () => {
  it('runs For Each once per item with the item in Data, then Complete once', async () => {
    const path = '/iterate/item';
    const workflow = await setupWorkflow(
      weir,
      workflowDocument({
        fields: [{ object_name: 'Workflow', field_name: 'list', datatype: 'JSON', required: true }],
        tasks: [
          raw(1, 'Each', 'Iterate', {
            object: 'CUSTOM LIQUID',
            liquid_statement: '{{ Data.Workflow.list | to_json }}',
          }),
          task.callout(2, 'Post item', { url: target.url(path), rawBody: '{{ Data.Iterate | to_json }}' }),
          task.responseFormatter(3, 'Done', { template: '{"items": {{ Data.Workflow.list | size }}}' }),
        ],
        linkages: [start(1), link(1, 2, 'For Each'), link(1, 3, 'Complete')],
      }),
    );
    const response = await workflow.sync({ json: { list: [{ n: 1 }, { n: 2 }, { n: 3 }] } });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ items: 3 });
    expect(target.requestsTo(path).map((r) => JSON.parse(r.body))).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const runs = must(await weir.api('GET', `/workflows/workflow_runs?workflow_id=${workflow.id}`), 200, 'runs');
    const tasks = await tasksOf(runs.data[0].id as number);
    expect(tasks.filter((t) => t.name === 'Done')).toHaveLength(1);
    expect(tasks.filter((t) => t.name === 'Post item')).toHaveLength(3);
  });

  it('walks an array from CUSTOM LIQUID in chunks, with bounded concurrency, and Complete waits for all', async () => {
    const path = '/iterate/chunk';
    target.on(path, () => ({ body: { ok: true }, delayMs: 50 }));
    const workflow = await setupWorkflow(
      weir,
      workflowDocument({
        tasks: [
          raw(1, 'Each', 'Iterate', {
            object: 'CUSTOM LIQUID',
            liquid_statement: '[1,2,3,4,5]',
            chunk_size: '2',
            concurrency: '2',
          }),
          task.callout(2, 'Post chunk', { url: target.url(path), rawBody: '{{ Data.Iterate | to_json }}' }),
          task.responseFormatter(3, 'Done', { template: '{"complete": true}' }),
        ],
        linkages: [start(1), link(1, 2, 'For Each'), link(1, 3, 'Complete')],
      }),
    );
    const response = await workflow.sync();
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ complete: true });
    const chunks = target.requestsTo(path).map((r) => JSON.parse(r.body) as number[]);
    expect(chunks.sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0))).toEqual([[1, 2], [3, 4], [5]]);
  });
});

describe('Logic::Merge', () => {
  it('joins parallel branches once, with their Data deep-merged', async () => {
    const workflow = await setupWorkflow(
      weir,
      workflowDocument({
        tasks: [
          task.liquid(1, 'Fork', '{% assign fork = true %}'),
          task.liquid(2, 'Left', '{% assign left = "L" %}'),
          task.liquid(3, 'Right', '{% assign right = "R" %}'),
          raw(4, 'Join', 'Logic::Merge', {}),
          task.responseFormatter(5, 'Answer', { template: '{{ Data.Liquid | to_json }}' }),
        ],
        linkages: [start(1), link(1, 2), link(1, 3), link(2, 4), link(3, 4), link(4, 5)],
      }),
    );
    const response = await workflow.sync();
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ fork: true, left: 'L', right: 'R' });
    const runs = must(await weir.api('GET', `/workflows/workflow_runs?workflow_id=${workflow.id}`), 200, 'runs');
    const tasks = await tasksOf(runs.data[0].id as number);
    expect(tasks.filter((t) => t.name === 'Join')).toHaveLength(1);
    expect(tasks.filter((t) => t.name === 'Answer')).toHaveLength(1);
  });
});

describe('Execute::WorkflowTask', () => {
  it('runs another workflow, waits for it and places its response', async () => {
    const child = await setupWorkflow(
      weir,
      workflowDocument({
        fields: [{ object_name: 'Workflow', field_name: 'x', datatype: 'Integer', required: true }],
        tasks: [task.responseFormatter(1, 'Double', { template: '{"double": {{ Data.Workflow.x | times: 2 }}}' })],
        linkages: [start(1)],
      }),
    );
    const parent = await setupWorkflow(
      weir,
      workflowDocument({
        tasks: [
          raw(1, 'Call child', 'Execute::WorkflowTask', { workflow_id: String(child.id), inputs: '{"x": 21}' }),
          task.responseFormatter(2, 'Answer', { template: '{{ Data.ExecuteWorkflow | to_json }}' }),
        ],
        linkages: [start(1), link(1, 2)],
      }),
    );
    const response = await parent.sync();
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({ double: 42 });
  });

  it('without waiting writes the started run; a workflow calling itself is stopped by the depth limit', async () => {
    const target = await setupWorkflow(
      weir,
      workflowDocument({ tasks: [task.liquid(1, 'Noop', '{% assign ok = true %}')], linkages: [start(1)] }),
    );
    const caller = await setupWorkflow(
      weir,
      workflowDocument({
        tasks: [
          raw(1, 'Fire and forget', 'Execute::WorkflowTask', { workflow_id: String(target.id), wait: 'false' }),
          task.responseFormatter(2, 'Answer', { template: '{{ Data.ExecuteWorkflow | to_json }}' }),
        ],
        linkages: [start(1), link(1, 2)],
      }),
    );
    const fired = await caller.sync();
    expect(fired.status, fired.text).toBe(200);
    expect(fired.body).toMatchObject({ originalWorkflowId: target.id, name: expect.stringMatching(/^WF-\d+-\d{8}$/) });
    await expectRunSucceeds(weir, fired.body.id as number);

    // A workflow whose active version calls itself: each level is a sub-run, until the depth limit fails one.
    const recursive = await setupWorkflow(
      weir,
      workflowDocument({ tasks: [task.liquid(1, 'Placeholder', '{% assign x = 1 %}')], linkages: [start(1)] }),
    );
    const callsItself = workflowDocument({
      version: '0.0.2',
      tasks: [raw(1, 'Call myself', 'Execute::WorkflowTask', { workflow_id: String(recursive.id) })],
      linkages: [start(1)],
    });
    must(
      await weir.api('POST', `/workflows/${recursive.id}/versions/import?version=0.0.2&activate=true`, callsItself),
      200,
      'version import',
    );
    const answer = await recursive.sync();
    expect(answer.status, answer.text).toBe(403);
    expect(answer.body.error_class).toBe('WorkflowError::ExecuteWorkflow');
    const runs = must(
      await weir.api('GET', `/workflows/workflow_runs?workflow_id=${recursive.id}&page_length=50`),
      200,
      'runs',
    );
    expect(runs.data).toHaveLength(11);
  }, 30_000);
});

describe('Approval', () => {
  it('waits Pending until approved through the API, then fires Approve with the comment', async () => {
    const workflow = await setupWorkflow(
      weir,
      workflowDocument({
        tasks: [
          raw(1, 'Manager approval', 'Approval', {}),
          task.callout(2, 'Approved', { url: target.url('/approval/yes'), rawBody: '{{ Data.Approval | to_json }}' }),
          task.callout(3, 'Rejected', { url: target.url('/approval/no'), rawBody: '{{ Data.Approval | to_json }}' }),
        ],
        linkages: [start(1), link(1, 2, 'Approve'), link(1, 3, 'Reject')],
      }),
    );
    const sync = await workflow.sync();
    expect(sync.status, sync.text).toBe(211);
    const runId = sync.body.id as number;
    await waitForRun(weir, runId, { until: (r) => r.status === 'Pending', what: 'Pending', timeoutMs: 10_000 });
    const [approval] = await tasksOf(runId);
    expect(approval?.status).toBe('Pending');
    const decided = await weir.api('POST', `/workflows/tasks/${approval?.id}/approve`, { comment: 'looks fine' });
    expect(decided.status, decided.text).toBe(200);
    await expectRunSucceeds(weir, runId);
    expect(target.requestsTo('/approval/yes').map((r) => JSON.parse(r.body))).toEqual([
      { action: 'Approve', comment: 'looks fine' },
    ]);
    expect(target.requestsTo('/approval/no')).toHaveLength(0);
    const twice = await weir.api('POST', `/workflows/tasks/${approval?.id}/reject`, {});
    expect(twice.status).toBe(400);
  });
});

describe('rerun', () => {
  it('repairs a failed run: the failed task instance runs again with its recorded Data and the graph goes on', async () => {
    const path = '/rerun/flaky';
    let isDown = true;
    target.on(path, () => (isDown ? { status: 500, body: { down: true } } : { body: { up: true } }));
    const workflow = await setupWorkflow(
      weir,
      workflowDocument({
        fields: [{ object_name: 'Workflow', field_name: 'who', datatype: 'Text', required: true }],
        tasks: [
          task.callout(1, 'Flaky', { url: target.url(path), rawBody: '{"who": {{ Data.Workflow.who | to_json }}}' }),
          task.liquid(2, 'After', '{% assign after = Data.Callout.ResponseBody.up %}'),
        ],
        linkages: [start(1), link(1, 2)],
      }),
    );
    const queued = await workflow.run({ json: { who: 'Ada' } });
    const runId = queued.body.id as number;
    const failed = await waitForRun(weir, runId, {
      until: (r) => r.status === 'Finished',
      what: 'finished',
      timeoutMs: 10_000,
    });
    expect(failed.result).toBe('Error');
    const [flaky] = await tasksOf(runId);
    expect(flaky?.status).toBe('Error');

    isDown = false;
    const rerun = await weir.api('POST', `/workflows/tasks/${flaky?.id}/rerun`);
    expect(rerun.status, rerun.text).toBe(200);
    expect(rerun.body).toMatchObject({ name: 'Flaky', rerun_of: flaky?.id, workflow_id: runId });
    const repaired = await expectRunSucceeds(weir, runId);
    expect(repaired.result).toBe('Success');
    expect(target.requestsTo(path).map((r) => JSON.parse(r.body))).toEqual([{ who: 'Ada' }, { who: 'Ada' }]);
    const tasks = await tasksOf(runId);
    expect(tasks.find((t) => t.name === 'After')?.data_out).toMatchObject({ Liquid: { after: true } });
    const again = await weir.api('POST', `/workflows/tasks/${flaky?.id}/rerun`);
    expect(again.status).toBe(400);
  });
});

describe('engine limits', () => {
  it('the loop guard fails a run whose task repeats more than 1000 times', async () => {
    const workflow = await setupWorkflow(
      weir,
      workflowDocument({
        tasks: [task.liquid(1, 'Spin', '{% assign n = 1 %}')],
        linkages: [start(1), link(1, 1)],
      }),
    );
    const queued = await workflow.run();
    const run = await waitForRun(weir, queued.body.id as number, {
      until: (r) => r.status === 'Finished',
      what: 'finished',
      // 1000 steps of two durable commits each (fsync-bound: ~35 ms a step here, more on PostgreSQL).
      timeoutMs: 150_000,
    });
    expect(run.result).toBe('Error');
    expect(run.error_class).toBe('WorkflowError::LoopGuard');
    expect(run.tasks.total).toBe(1000);
  }, 180_000);

  it('Data over 5 MiB is a task error, not a crash', async () => {
    const workflow = await setupWorkflow(
      weir,
      workflowDocument({
        fields: [{ object_name: 'Workflow', field_name: 'blob', datatype: 'Text', required: true }],
        tasks: [task.liquid(1, 'Grow', '{% assign big = Data.Workflow.blob | append: Data.Workflow.blob %}')],
        linkages: [start(1)],
      }),
    );
    const response = await workflow.sync({ json: { blob: 'x'.repeat(3 * 1024 * 1024) } });
    expect(response.status, response.text.slice(0, 300)).toBe(403);
    expect(response.body.error_class).toBe('WorkflowError::DataTooLarge');
    const run = await getRun(weir, response.body.run.id as number);
    expect(run.result).toBe('Error');
  });
});

describe('PUT /workflows/tasks/batch_update', () => {
  it('stops waiting task instances; the run goes on; bad batches get the reference errors', async () => {
    const workflow = await setupWorkflow(
      weir,
      workflowDocument({
        tasks: [raw(1, 'Wait for a manager', 'Approval', {}), task.liquid(2, 'After', '{% assign after = true %}')],
        linkages: [start(1), link(1, 2, 'Approve')],
      }),
    );
    const queued = await workflow.run();
    const runId = queued.body.id as number;
    await waitForRun(weir, runId, { until: (r) => r.status === 'Pending', what: 'Pending', timeoutMs: 10_000 });
    const [approval] = await tasksOf(runId);
    const stopped = await weir.api('PUT', '/workflows/tasks/batch_update', {
      data: [{ id: approval?.id, status: 'Stopped' }],
    });
    expect(stopped.status, stopped.text).toBe(200);
    expect(stopped.body.data[0]).toMatchObject({ id: approval?.id, status: 'Stopped' });
    expect(stopped.body.pagination).toEqual({ page: null, page_length: null, next_page: null });
    const run = await waitForRun(weir, runId, {
      until: (r) => r.status === 'Finished',
      what: 'finished',
      timeoutMs: 10_000,
    });
    expect(run.tasks).toMatchObject({ total: 1, stopped: 1 });

    const empty = await weir.api('PUT', '/workflows/tasks/batch_update', { data: [] });
    expect(empty.status).toBe(400);
    expect(empty.body).toEqual({ errors: [{ status: 400, code: 'Task', title: 'Data not present or not in array.' }] });
    const tooMany = await weir.api('PUT', '/workflows/tasks/batch_update', {
      data: Array.from({ length: 51 }, (_, i) => ({ id: i + 1 })),
    });
    expect(tooMany.status).toBe(400);
    const missing = await weir.api('PUT', '/workflows/tasks/batch_update', { data: [{ id: 987654321 }] });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ errors: [{ status: 404, code: 'Task', title: 'Missing ids for tasks.' }] });
    const again = await weir.api('PUT', '/workflows/tasks/batch_update', {
      data: [{ id: approval?.id, status: 'Stopped' }],
    });
    expect(again.status).toBe(400);
  });
});
