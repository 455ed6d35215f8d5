import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from './helpers/assertions.js';
import { setupWorkflow } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { onlyRunOf, taskInstanceNamed } from './helpers/task-instances.js';
import { link, start, task, uniqueName, workflowDocument } from './helpers/workflows.js';

/** `Logic::JSONTransform` over HTTP: JSONata and Liquid results placed in `Data`. */

let weir: TestWeir;

beforeAll(async () => {
  weir = await startTestWeir();
});
afterAll(async () => {
  await weir?.close();
});

const INVOICES = [
  { id: 'I-1', balance: 10 },
  { id: 'I-2', balance: 0 },
  { id: 'I-3', balance: 5.5 },
];

function transformWorkflow(tasks: Record<string, unknown>[]): ReturnType<typeof workflowDocument> {
  return workflowDocument({
    name: uniqueName('json transform'),
    fields: [
      { callout_id: 'invoices', object_name: 'Workflow', field_name: 'invoices', datatype: 'JSON', required: true },
    ],
    tasks: tasks.map((parameters, i) => task.raw(i + 1, `Transform ${i + 1}`, 'Logic::JSONTransform', parameters)),
    linkages: [start(1), ...tasks.slice(1).map((_, i) => link(i + 1, i + 2))],
  });
}

describe('Logic::JSONTransform', () => {
  it('writes a JSONata result to Data.JSONTransform and a Liquid one to its placement', async () => {
    const workflow = await setupWorkflow(
      weir,
      transformWorkflow([
        { template: '{"owed": $sum(Workflow.invoices.balance), "open": [Workflow.invoices[balance > 0].id]}' },
        {
          processor: 'Liquid',
          template:
            '{"count": {{ Data.Workflow.invoices | size }}, "first": {{ Data.JSONTransform.open[0] | to_json }}}',
          placement: 'Summary',
        },
      ]),
    );
    const response = await workflow.sync({ json: { invoices: INVOICES } });
    expect(response.status, response.text).toBe(200);
    // No response task: /sync answers the last task's Data.
    expect(response.body.JSONTransform).toEqual({ owed: 15.5, open: ['I-1', 'I-3'] });
    expect(response.body.Summary).toEqual({ count: 3, first: 'I-1' });
    expect(Object.keys(response.body).sort()).toEqual(['JSONTransform', 'Summary', 'Workflow']);
    const first = await taskInstanceNamed(weir, await onlyRunOf(weir, workflow.id), 'Transform 1');
    expect(first.status).toBe('Success');
    expect(first.data_out.JSONTransform).toEqual({ owed: 15.5, open: ['I-1', 'I-3'] });
  });

  it('fails with WorkflowError::JSONTransform when the Liquid output is not JSON', async () => {
    const workflow = await setupWorkflow(
      weir,
      transformWorkflow([{ processor: 'Liquid', template: 'count: {{ Data.Workflow.invoices | size }}' }]),
    );
    const response = await workflow.sync({ json: { invoices: INVOICES } });
    expect(response.status, response.text).toBe(403);
    expect(response.body.error_class).toBe('WorkflowError::JSONTransform');
    expect(response.body.message).toMatch(/^The Liquid template did not render valid JSON: /);
    const failed = await taskInstanceNamed(weir, await onlyRunOf(weir, workflow.id), 'Transform 1');
    expect(failed).toMatchObject({
      status: 'Error',
      error_class: 'WorkflowError::JSONTransform',
      error_details: 'count: 3',
    });
  });

  it('fails with WorkflowError::JSONata when the expression fails at run time', async () => {
    const workflow = await setupWorkflow(weir, transformWorkflow([{ template: '$number(Workflow.invoices[0].id)' }]));
    const response = await workflow.sync({ json: { invoices: INVOICES } });
    expect(response.status, response.text).toBe(403);
    expect(response.body.error_class).toBe('WorkflowError::JSONata');
  });

  it('rejects a file whose JSONata does not parse, or whose processor Weir does not run', async () => {
    expectErrorEnvelope(await weir.api('POST', '/workflows/import', transformWorkflow([{ template: '{"a": ' }])), 400, {
      field: 'tasks[0].parameters.template',
    });
    expectErrorEnvelope(
      await weir.api('POST', '/workflows/import', transformWorkflow([{ processor: 'XML', template: '<a/>' }])),
      400,
      { field: 'tasks[0].parameters.processor' },
    );
  });
});
