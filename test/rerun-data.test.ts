import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from './helpers/assertions.js';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import { expectRunSucceeds, waitForRun } from './helpers/runs.js';
import { must, setupWorkflow, type TriggerableWorkflow } from './helpers/setup-workflow.js';
import { ADMIN_CLIENT, fetchToken, startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { link, start, task, workflowDocument } from './helpers/workflows.js';

/**
 * issue 13 point 3: rerun a task instance with edited input `Data` (`POST /workflows/tasks/{id}/rerun`
 * with `{"data": {...}}`, **ext**). The new instance runs with the edited Data and its log says who
 * edited it and which paths changed, never the values; bad bodies get a 400 naming the field.
 */
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

type Instance = Record<string, unknown> & { id: number; name: string; status: string; log: string | null };

async function instancesOf(runId: number): Promise<Instance[]> {
  const page = must(await weir.api('GET', `/workflows/tasks?workflow_id=${runId}&page_length=100`), 200, 'tasks');
  return page.data as Instance[];
}

/** A run of Charge → Note whose Charge failed (the target answers 500 for the customer "bad"). */
async function failedRun(
  workflow: TriggerableWorkflow,
  customer: string,
): Promise<{ runId: number; failed: Instance }> {
  const queued = await workflow.run({ json: { customer, token: 'tok-Secret-4711' } });
  const runId = queued.body.id as number;
  const run = await waitForRun(weir, runId, { until: (r) => r.status === 'Finished', what: 'finished' });
  expect(run.result).toBe('Error');
  const failed = (await instancesOf(runId)).find((i) => i.name === 'Charge');
  expect(failed?.status).toBe('Error');
  return { runId, failed: failed as Instance };
}

describe('POST /workflows/tasks/{id}/rerun with edited Data (ext)', () => {
  let workflow: TriggerableWorkflow;
  const path = '/rerun-data/charge';

  beforeAll(async () => {
    target.on(path, (request) => {
      const body = JSON.parse(request.body) as { customer: string };
      return body.customer === 'bad' ? { status: 500, body: { refused: body.customer } } : { body: { charged: true } };
    });
    workflow = await setupWorkflow(
      weir,
      workflowDocument({
        fields: [
          { object_name: 'Workflow', field_name: 'customer', datatype: 'Text', required: true },
          { object_name: 'Workflow', field_name: 'token', datatype: 'Text', required: false },
        ],
        tasks: [
          task.callout(1, 'Charge', {
            url: target.url(path),
            rawBody: '{"customer": {{ Data.Workflow.customer | to_json }}}',
          }),
          task.liquid(2, 'Note', '{% assign charged = Data.Callout.ResponseBody.charged %}'),
        ],
        linkages: [start(1), link(1, 2)],
      }),
    );
  });

  it('reruns with the edited Data, and the new instance’s log names the client and the changed paths only', async () => {
    const { runId, failed } = await failedRun(workflow, 'bad');
    const recorded = failed.data as { Workflow: Record<string, unknown> };
    const edited = {
      ...recorded,
      Workflow: { ...recorded.Workflow, customer: 'good', token: 'tok-Edited-0815' },
      Extra: { note: 'added by hand' },
    };
    const rerun = await weir.api('POST', `/workflows/tasks/${failed.id}/rerun`, { data: edited });
    expect(rerun.status, rerun.text).toBe(200);
    expect(rerun.body).toMatchObject({ name: 'Charge', rerun_of: failed.id, workflow_id: runId, data: edited });
    const log = rerun.body.log as string;
    expect(log).toBe(
      `Rerun of task ${failed.id} with input Data edited by client "${ADMIN_CLIENT.clientId}" ` +
        '(changed Workflow.customer, Workflow.token; added Extra).\n',
    );
    expect(log).not.toContain('good');
    expect(log).not.toContain('tok-');

    const repaired = await expectRunSucceeds(weir, runId);
    expect(repaired.result).toBe('Success');
    expect(
      target
        .requestsTo(path)
        .slice(-1)
        .map((r) => JSON.parse(r.body)),
    ).toEqual([{ customer: 'good' }]);
    const after = await instancesOf(runId);
    const charge = after.find((i) => i.id === rerun.body.id);
    // The line written at the rerun stays first; the attempt's own lines follow it.
    expect(charge?.status).toBe('Success');
    expect(charge?.log?.startsWith(log)).toBe(true);
    // The old instance keeps what it ran with; the next task got the rerun's Data.
    expect(after.find((i) => i.id === failed.id)?.data).toEqual(recorded);
    expect(after.find((i) => i.name === 'Note')?.data).toMatchObject({ Extra: { note: 'added by hand' } });
  });

  it('a plain rerun (no body, or {}) still reruns with the recorded Data and logs nothing new', async () => {
    const { runId, failed } = await failedRun(workflow, 'bad');
    const rerun = await weir.api('POST', `/workflows/tasks/${failed.id}/rerun`, {});
    expect(rerun.status, rerun.text).toBe(200);
    expect(rerun.body.data).toEqual(failed.data);
    expect(rerun.body.log).toBeNull();
    const run = await waitForRun(weir, runId, { until: (r) => r.status === 'Finished', what: 'finished' });
    expect(run.result).toBe('Error');
  });

  it('refuses bad bodies with a 400 naming the field, and changes nothing', async () => {
    const { runId, failed } = await failedRun(workflow, 'bad');
    const url = `/workflows/tasks/${failed.id}/rerun`;
    const cases: Array<{ body: unknown; field: string; title: RegExp }> = [
      { body: { data: [1, 2] }, field: 'data', title: /^data must be a JSON object/ },
      { body: { data: 'text' }, field: 'data', title: /^data must be a JSON object/ },
      { body: { data: null }, field: 'data', title: /^data must be a JSON object/ },
      { body: [{ data: {} }], field: 'body', title: /^The body must be a JSON object/ },
      { body: { data: {}, status: 'Queued' }, field: 'status', title: /^status is not a field of this operation/ },
    ];
    for (const { body, field, title } of cases) {
      expectErrorEnvelope(await weir.api('POST', url, body), 400, { field, title });
    }
    // 101 levels of nesting: refused by name (serializing or templating it would recurse that deep).
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 100; i += 1) deep = { next: deep };
    expectErrorEnvelope(await weir.api('POST', url, { data: deep }), 400, { field: 'data', title: /more than 100/ });
    // Far deeper than any stack: still a 400, not a 500.
    const hostile = `{"data": ${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}}`;
    expectErrorEnvelope(
      await weir.api('POST', url, undefined, { rawBody: hostile, contentType: 'application/json' }),
      400,
      { field: 'data' },
    );
    // Over the 5 MiB body limit: 413 before anything is read.
    const big = await weir.api('POST', url, { data: { blob: 'x'.repeat(5 * 1024 * 1024) } });
    expectErrorEnvelope(big, 413);
    expectErrorEnvelope(
      await weir.api('POST', url, undefined, { rawBody: '{"data": {', contentType: 'application/json' }),
      400,
    );

    const after = await instancesOf(runId);
    expect(after.filter((i) => i.name === 'Charge')).toHaveLength(1);
    expect(after.find((i) => i.id === failed.id)?.rerun_by).toBeNull();
  });

  it('needs the workflow:run scope, and refuses an instance that was rerun already', async () => {
    const { failed } = await failedRun(workflow, 'bad');
    const viewer = await fetchToken(weir.url, { scope: 'workflow:view' });
    const url = `/workflows/tasks/${failed.id}/rerun`;
    const refused = await weir.api('POST', url, { data: { a: 1 } }, { token: viewer });
    expectErrorEnvelope(refused, 403);
    expect(refused.body.errors[0].code).toBe('insufficient_scope');
    must(await weir.api('POST', url, { data: { Workflow: { customer: 'bad' } } }), 200, 'rerun');
    expectErrorEnvelope(await weir.api('POST', url, { data: { a: 1 } }), 400, { title: /already rerun as task/ });
    expectErrorEnvelope(await weir.api('POST', '/workflows/tasks/999999999/rerun', { data: {} }), 404);
  });
});
