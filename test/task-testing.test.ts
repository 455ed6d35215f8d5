import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from './helpers/assertions.js';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import { must, setupWorkflow, type TriggerableWorkflow } from './helpers/setup-workflow.js';
import { fetchToken, startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { link, start, task, workflowDocument } from './helpers/workflows.js';

/**
 * issue 13 point 4: "Test this task" (`POST /workflows/{id}/versions/{version_id}/tasks/{task_id}/test`,
 * **ext**): one task with sample Data, executed as a run would execute it (templates, GlobalConstants,
 * sandbox, egress policy), outside any run; side effects only when confirmed.
 */
let weir: TestWeir;
let target: CalloutTarget;

beforeAll(async () => {
  weir = await startTestWeir();
  target = await startCalloutTarget();
  must(
    await weir.api('PUT', '/workflows/global_constants/ApiToken', { value: 'tok-Sealed-9931', secret: true }),
    200,
    'secret constant',
  );
  must(await weir.api('PUT', '/workflows/global_constants/Greeting', { value: 'Hello' }), 200, 'constant');
});
afterAll(async () => {
  await weir?.close();
  await target?.close();
});

interface Tested {
  workflow: TriggerableWorkflow;
  versionId: number;
  /** Task ids by name, as the store assigned them. */
  ids: Record<string, number>;
}

async function imported(document: ReturnType<typeof workflowDocument>): Promise<Tested> {
  const workflow = await setupWorkflow(weir, document);
  const versionId = workflow.workflow.active_version.id as number;
  const tasks = must(
    await weir.api('GET', `/workflows/tasks?instance=false&workflow_id=${versionId}&page_length=100`),
    200,
    'tasks of the version',
  ).data as Array<{ id: number; name: string }>;
  return { workflow, versionId, ids: Object.fromEntries(tasks.map((t) => [t.name, Number(t.id)])) };
}

function testUrl(tested: Tested, name: string): string {
  return `/workflows/${tested.workflow.id}/versions/${tested.versionId}/tasks/${tested.ids[name]}/test`;
}

async function runsOf(workflowId: number): Promise<number> {
  const page = must(await weir.api('GET', `/workflows/workflow_runs?workflow_id=${workflowId}`), 200, 'runs');
  return (page.data as unknown[]).length;
}

describe('POST /workflows/{id}/versions/{version_id}/tasks/{task_id}/test (ext)', () => {
  let tested: Tested;
  const path = '/task-test/charge';

  beforeAll(async () => {
    target.on(path, (request) => ({ body: { charged: JSON.parse(request.body) } }));
    tested = await imported(
      workflowDocument({
        tasks: [
          task.liquid(
            1,
            'Greet',
            '{% assign greeting = GlobalConstants.Greeting | append: ", " | append: Data.name %}',
          ),
          task.callout(2, 'Charge', {
            url: target.url(path),
            rawBody: '{"customer": {{ Data.name | to_json }}}',
            headers: [
              { key: 'Content-Type', value: 'application/json' },
              { key: 'Authorization', value: 'Bearer {{ GlobalConstants.ApiToken }}' },
              { key: 'X-Api-Key', value: 'k-stored-5521' },
            ],
          }),
          task.delay(3, 'Wait a day', 86_400),
          task.raw(4, 'Each', 'Iterate', { object: 'CUSTOM LIQUID', liquid_statement: '{{ Data.items | to_json }}' }),
          task.raw(5, 'Script', 'Script::JavaScript', {
            code: 'function step(input) { while (true) {} }',
            timeout: '0.2',
          }),
        ],
        linkages: [start(1), link(1, 2), link(2, 3), link(3, 4), link(4, 5, 'For Each')],
      }),
    );
  });

  it('tests a Liquid task with sample Data and GlobalConstants; no run is stored', async () => {
    const answer = await weir.api('POST', testUrl(tested, 'Greet'), { data: { name: 'Ada' } });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({
      task: { id: tested.ids['Greet'], name: 'Greet', action_type: 'Logic::Liquid' },
      side_effects: false,
      status: 'Success',
      hook: 'Success',
      data_out: { name: 'Ada', Liquid: { greeting: 'Hello, Ada' } },
      error: null,
      waiting_on: null,
      sub_run_id: null,
    });
    expect(answer.body.duration_ms).toBeGreaterThanOrEqual(0);
    expect(await runsOf(tested.workflow.id)).toBe(0);
    const instances = must(await weir.api('GET', '/workflows/tasks?name=Greet'), 200, 'instances');
    expect(instances.data).toEqual([]);
  });

  it('refuses a Callout unless confirmed; confirmed, it really sends, with the sealed constant', async () => {
    const refused = await weir.api('POST', testUrl(tested, 'Charge'), { data: { name: 'Ada' } });
    expectErrorEnvelope(refused, 400, { field: 'confirm_side_effects', title: /really sends/ });
    expect(target.requestsTo(path)).toHaveLength(0);

    const answer = await weir.api('POST', testUrl(tested, 'Charge'), {
      data: { name: 'Ada' },
      confirm_side_effects: true,
    });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ side_effects: true, status: 'Success', hook: 'Success' });
    const [sent] = target.requestsTo(path);
    expect(JSON.parse(sent?.body ?? '')).toEqual({ customer: 'Ada' });
    expect(sent?.headers['authorization']).toBe('Bearer tok-Sealed-9931');
    expect(sent?.headers['x-api-key']).toBe('k-stored-5521');
    expect(String(sent?.headers['idempotency-key'])).toMatch(/^test-/);
    const callout = answer.body.data_out.Callout;
    expect(callout).toMatchObject({ ResponseCode: 200, ResponseBody: { charged: { customer: 'Ada' } } });
    // The answer carries no credential, as a run's Data would not.
    expect(answer.text).not.toContain('tok-Sealed-9931');
    expect(answer.text).not.toContain('k-stored-5521');
    expect(await runsOf(tested.workflow.id)).toBe(0);
  });

  it('tests an edited definition, keeping the stored secrets behind the mask; a mask with nothing behind is refused', async () => {
    const edited = must(
      await weir.api('GET', `/workflows/tasks/${tested.ids['Charge']}`),
      200,
      'the task as answers show it',
    );
    expect(JSON.stringify(edited.parameters)).toContain('********');
    const parameters = { ...edited.parameters, url: target.url(`${path}/edited`) };
    target.on(`${path}/edited`, { body: { edited: true } });
    const answer = await weir.api('POST', testUrl(tested, 'Charge'), {
      data: { name: 'Grace' },
      task: { action_type: 'Callout', parameters },
      confirm_side_effects: true,
    });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ status: 'Success', data_out: { Callout: { ResponseBody: { edited: true } } } });
    expect(target.requestsTo(`${path}/edited`)[0]?.headers['x-api-key']).toBe('k-stored-5521');

    // A task the version does not have (a new one in the editor): its masks have nothing to keep.
    const url = `/workflows/${tested.workflow.id}/versions/${tested.versionId}/tasks/999999/test`;
    const masked = await weir.api('POST', url, {
      task: { name: 'New call', action_type: 'Callout', parameters },
      confirm_side_effects: true,
    });
    expectErrorEnvelope(masked, 400, { field: 'task.parameters.headers[2].value' });
    const fresh = await weir.api('POST', url, {
      task: { name: 'New call', action_type: 'Liquid', parameters: {} },
    });
    expectErrorEnvelope(fresh, 400, { field: 'task.action_type', title: /does not run the task type Liquid/ });
    const bad = await weir.api('POST', url, {
      task: { name: 'New call', action_type: 'Callout', parameters: { method: 'GET' } },
      confirm_side_effects: true,
    });
    expectErrorEnvelope(bad, 400, { field: 'task.parameters.url' });
    const newLiquid = await weir.api('POST', url, {
      data: { a: 2 },
      task: {
        name: 'New step',
        action_type: 'Logic::Liquid',
        parameters: { code: '{% assign b = Data.a | times: 3 %}' },
      },
    });
    expect(newLiquid.status, newLiquid.text).toBe(200);
    expect(newLiquid.body).toMatchObject({ task: { id: 999999, name: 'New step' }, data_out: { Liquid: { b: 6 } } });
  });

  it('answers the waits a run would make: a Delay, an Iterate’s branches', async () => {
    const delay = await weir.api('POST', testUrl(tested, 'Wait a day'), { data: { x: 1 } });
    expect(delay.status, delay.text).toBe(200);
    expect(delay.body).toMatchObject({ status: 'Pending', hook: null, waiting_on: 'delay', data_out: { x: 1 } });
    const due = Date.parse(delay.body.due_at as string) - Date.now();
    expect(due).toBeGreaterThan(86_000_000);
    expect(due).toBeLessThanOrEqual(86_400_000);

    const each = await weir.api('POST', testUrl(tested, 'Each'), { data: { items: [{ n: 1 }, { n: 2 }] } });
    expect(each.status, each.text).toBe(200);
    expect(each.body).toMatchObject({ status: 'Pending', hook: 'For Each', waiting_on: 'iterations' });
    expect(each.body.branches).toHaveLength(1);
    expect(each.body.branches[0]).toMatchObject({ Iterate: { n: 1 } });
  });

  it('runs JavaScript in the sandbox with its time limit', async () => {
    const answer = await weir.api('POST', testUrl(tested, 'Script'), { data: {} });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({
      status: 'Error',
      hook: 'Failure',
      error: { error_class: 'WorkflowError::JavaScript' },
    });
    expect(answer.body.error.message).toMatch(/time/i);
  });

  it('applies the egress policy: a private address is refused, nothing is sent', async () => {
    const answer = await weir.api('POST', testUrl(tested, 'Charge'), {
      task: { action_type: 'Callout', parameters: { url: 'http://10.255.255.1/', method: 'GET' } },
      confirm_side_effects: true,
    });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ status: 'Error', error: { error_class: 'WorkflowError::Callout' } });
    expect(answer.body.error.message).toMatch(/refused by the egress policy/);
  });

  it('starts a called workflow’s real run when confirmed, waits for it and places its answer', async () => {
    const child = await setupWorkflow(
      weir,
      workflowDocument({
        fields: [{ object_name: 'Workflow', field_name: 'x', datatype: 'Integer', required: true }],
        tasks: [task.responseFormatter(1, 'Double', { template: '{"double": {{ Data.Workflow.x | times: 2 }}}' })],
        linkages: [start(1)],
      }),
    );
    const parent = await imported(
      workflowDocument({
        tasks: [
          task.raw(1, 'Call child', 'Execute::WorkflowTask', {
            workflow_id: String(child.id),
            inputs: '{"x": {{ Data.x }}}',
          }),
        ],
        linkages: [start(1)],
      }),
    );
    const refused = await weir.api('POST', testUrl(parent, 'Call child'), { data: { x: 4 } });
    expectErrorEnvelope(refused, 400, { field: 'confirm_side_effects' });
    expect(await runsOf(child.id)).toBe(0);
    const answer = await weir.api('POST', testUrl(parent, 'Call child'), {
      data: { x: 4 },
      confirm_side_effects: true,
    });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({
      side_effects: true,
      status: 'Success',
      data_out: { ExecuteWorkflow: { double: 8 } },
    });
    const childRun = must(
      await weir.api('GET', `/workflows/workflow_runs/${answer.body.sub_run_id}`),
      200,
      'child run',
    );
    expect(childRun.status).toBe('Finished');
    expect(await runsOf(parent.workflow.id)).toBe(0);
  });

  it('answers what a response task would answer /sync with', async () => {
    const answering = await imported(
      workflowDocument({
        tasks: [task.responseFormatter(1, 'Answer', { template: '{"hello": {{ Data.name | to_json }}}', code: 201 })],
        linkages: [start(1)],
      }),
    );
    const answer = await weir.api('POST', testUrl(answering, 'Answer'), { data: { name: 'Ada' } });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({
      status: 'Success',
      response: { code: 201, body: { hello: 'Ada' }, result: 'Success' },
    });
  });

  it('refuses bad requests with a 4xx naming the field', async () => {
    const url = testUrl(tested, 'Greet');
    expectErrorEnvelope(await weir.api('POST', url, { data: [1] }), 400, { field: 'data' });
    expectErrorEnvelope(await weir.api('POST', url, { data: {}, sample: {} }), 400, { field: 'sample' });
    expectErrorEnvelope(await weir.api('POST', url, { confirm_side_effects: 'yes' }), 400, {
      field: 'confirm_side_effects',
    });
    expectErrorEnvelope(await weir.api('POST', url, { task: 'Callout' }), 400, { field: 'task' });
    const base = `/workflows/${tested.workflow.id}/versions/${tested.versionId}`;
    expectErrorEnvelope(await weir.api('POST', `${base}/tasks/999999/test`, {}), 404);
    expectErrorEnvelope(
      await weir.api('POST', `/workflows/${tested.workflow.id}/versions/999999/tasks/1/test`, {}),
      404,
    );
    const other = await imported(
      workflowDocument({ tasks: [task.liquid(1, 'Other', '{% assign o = 1 %}')], linkages: [start(1)] }),
    );
    expectErrorEnvelope(
      await weir.api(
        'POST',
        `/workflows/${other.workflow.id}/versions/${tested.versionId}/tasks/${tested.ids['Greet']}/test`,
        {},
      ),
      404,
    );

    const viewer = await fetchToken(weir.url, { scope: 'workflow:view' });
    expectErrorEnvelope(await weir.api('POST', url, {}, { token: viewer }), 403);
    const runner = await fetchToken(weir.url, { scope: 'workflow:run' });
    expect((await weir.api('POST', url, { data: { name: 'x' } }, { token: runner })).status).toBe(200);
    const edited = await weir.api(
      'POST',
      url,
      { task: { action_type: 'Logic::Liquid', parameters: { code: '{% assign a = 1 %}' } } },
      { token: runner },
    );
    expectErrorEnvelope(edited, 403);
    expect(edited.body.errors[0].title).toContain('workflow:manage');
  });
});
