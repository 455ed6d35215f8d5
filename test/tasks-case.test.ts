import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from './helpers/assertions.js';
import { expectRunSucceeds } from './helpers/runs.js';
import { setupWorkflow, type TriggerableWorkflow } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { onlyRunOf, taskInstanceNamed } from './helpers/task-instances.js';
import { link, start, task, uniqueName, workflowDocument } from './helpers/workflows.js';

/** `Logic::Case` over HTTP: the hook it fires picks the branch that answers `/sync`. */

let weir: TestWeir;

beforeAll(async () => {
  weir = await startTestWeir();
});
afterAll(async () => {
  await weir?.close();
});

/** Start → Case on `Data.Workflow.value` → one ResponseFormatter per hook, naming it and echoing `Data`. */
function caseWorkflow(parameters: Record<string, unknown>): ReturnType<typeof workflowDocument> {
  const answer = (id: number, hook: string) =>
    task.responseFormatter(id, `Answer ${hook}`, { template: `{"hook": "${hook}", "data": {{ Data | to_json }}}` });
  return workflowDocument({
    name: uniqueName('case'),
    fields: [{ callout_id: 'value', object_name: 'Workflow', field_name: 'value', datatype: 'Text', required: false }],
    tasks: [
      task.raw(1, 'Route', 'Logic::Case', {
        case_clause: '{{ Data.Workflow.value }}',
        strict_variables: 'false',
        ...parameters,
      }),
      answer(2, 'Case_1'),
      answer(3, 'Case_2'),
      answer(4, 'Case_10'),
      answer(5, 'Case_Else'),
    ],
    linkages: [start(1), link(1, 2, 'Case_1'), link(1, 3, 'Case_2'), link(1, 4, 'Case_10'), link(1, 5, 'Case_Else')],
  });
}

async function hookFor(workflow: TriggerableWorkflow, value: string): Promise<string> {
  const response = await workflow.sync({ json: { value } });
  expect(response.status, response.text).toBe(200);
  return response.body.hook as string;
}

describe('Logic::Case', () => {
  it('fires the first case whose anchored regex matches the whole rendered value, else Case_Else', async () => {
    const workflow = await setupWorkflow(
      weir,
      caseWorkflow({ case_condition: { Case_10: '[A-Z]{3}', Case_2: 'EUR|GBP', Case_1: 'USD' } }),
    );
    const response = await workflow.sync({ json: { value: 'USD' } });
    expect(response.status, response.text).toBe(200);
    expect(response.body.hook).toBe('Case_1');
    // Case writes nothing: Data is the run's seed plus the input.
    expect(Object.keys(response.body.data)).toEqual(['Workflow']);
    expect(response.body.data.Workflow.value).toBe('USD');

    expect(await hookFor(workflow, 'GBP')).toBe('Case_2');
    expect(await hookFor(workflow, 'JPY')).toBe('Case_10');
    expect(await hookFor(workflow, 'USDX')).toBe('Case_Else');
    expect(await hookFor(workflow, 'usd')).toBe('Case_Else');
  });

  it('compares exact strings when disable_regex is "true"', async () => {
    const workflow = await setupWorkflow(
      weir,
      caseWorkflow({ case_condition: { Case_1: 'a.c', Case_2: 'abc' }, disable_regex: 'true' }),
    );
    expect(await hookFor(workflow, 'abc')).toBe('Case_2');
    expect(await hookFor(workflow, 'a.c')).toBe('Case_1');
    expect(await hookFor(workflow, 'aXc')).toBe('Case_Else');
  });

  it('runs as a standard run too, and records the task instance as Success', async () => {
    const workflow = await setupWorkflow(weir, caseWorkflow({ case_condition: { Case_1: 'USD' } }));
    const response = await workflow.run({ json: { value: 'USD' } });
    expect(response.status, response.text).toBe(200);
    await expectRunSucceeds(weir, response.body.id as number);
    const route = await taskInstanceNamed(weir, response.body.id as number, 'Route');
    expect(route.status).toBe('Success');
    const answered = await taskInstanceNamed(weir, response.body.id as number, 'Answer Case_1');
    expect(answered.status).toBe('Success');
  });

  it('fails with WorkflowError::Liquid when the clause names a missing variable', async () => {
    const workflow = await setupWorkflow(
      weir,
      caseWorkflow({
        case_clause: '{{ Data.Workflow.nothing }}',
        strict_variables: 'true',
        case_condition: { Case_1: 'x' },
      }),
    );
    const response = await workflow.sync({ json: {} });
    expect(response.status, response.text).toBe(403);
    expect(response.body.error_class).toBe('WorkflowError::Liquid');
    expect(response.body.message).toMatch(/^case_clause: /);
    const route = await taskInstanceNamed(weir, await onlyRunOf(weir, workflow.id), 'Route');
    expect(route).toMatchObject({ status: 'Error', error_class: 'WorkflowError::Liquid' });
  });

  it('rejects a file whose pattern does not compile, naming the case', async () => {
    const response = await weir.api('POST', '/workflows/import', caseWorkflow({ case_condition: { Case_1: '(USD' } }));
    expectErrorEnvelope(response, 400, { field: 'tasks[0].parameters.case_condition.Case_1' });
  });
});
