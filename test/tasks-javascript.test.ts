import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRunSucceeds } from './helpers/runs.js';
import { setupWorkflow, type TriggerableWorkflow } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { onlyRunOf, taskInstanceNamed } from './helpers/task-instances.js';
import { FAILURE_BRANCH_TEMPLATE, link, start, task, uniqueName, workflowDocument } from './helpers/workflows.js';

/** `Script::JavaScript` over HTTP: the sandboxed step's value in `Data`, its console in the task log, its failures as task errors. */

let weir: TestWeir;

beforeAll(async () => {
  weir = await startTestWeir();
});
afterAll(async () => {
  await weir?.close();
});

/** Start → JavaScript (`parameters`), with a Failure branch answering what it saw when `withFailureBranch`. */
async function jsWorkflow(
  parameters: Record<string, unknown>,
  withFailureBranch = false,
): Promise<TriggerableWorkflow> {
  const script = task.raw(1, 'Script', 'Script::JavaScript', parameters);
  const failureBranch = task.responseFormatter(2, 'Report', { template: FAILURE_BRANCH_TEMPLATE, code: 422 });
  return setupWorkflow(
    weir,
    workflowDocument({
      name: uniqueName('javascript'),
      fields: [
        { callout_id: 'lines', object_name: 'Workflow', field_name: 'lines', datatype: 'JSON', required: false },
      ],
      tasks: withFailureBranch ? [script, failureBranch] : [script],
      linkages: withFailureBranch ? [start(1), link(1, 2, 'Failure')] : [start(1)],
    }),
  );
}

const TOTAL = `
export async function step(input) {
  const lines = input.Workflow.lines;
  console.log('summing', lines.length, 'lines');
  console.warn({ first: lines[0] });
  return { total: lines.reduce((sum, line) => sum + line.qty * line.price, 0), currency: 'USD' };
}`;

describe('Script::JavaScript', () => {
  it("writes step's value to Data.JavaScript and keeps its console output in the task log", async () => {
    const workflow = await jsWorkflow({ code: TOTAL });
    const lines = [
      { qty: 2, price: 5 },
      { qty: 1, price: 2.5 },
    ];
    const response = await workflow.sync({ json: { lines } });
    expect(response.status, response.text).toBe(200);
    expect(response.body.JavaScript).toEqual({ total: 12.5, currency: 'USD' });
    expect(response.body.Workflow.lines).toEqual(lines);

    const runId = await onlyRunOf(weir, workflow.id);
    await expectRunSucceeds(weir, runId);
    const script = await taskInstanceNamed(weir, runId, 'Script');
    expect(script.status).toBe('Success');
    expect(script.data_out.JavaScript).toEqual({ total: 12.5, currency: 'USD' });
    const log = (script.log ?? '').split('\n');
    expect(log.slice(0, 2)).toEqual(['console.log: summing 2 lines', 'console.warn: {"first":{"qty":2,"price":5}}']);
    expect(log[2]).toMatch(/^step returned in \d+ ms$/);
  });

  it('writes to placement', async () => {
    const workflow = await jsWorkflow({
      code: 'function step(input) { return [input.Workflow.lines.length]; }',
      placement: 'Count',
    });
    const response = await workflow.sync({ json: { lines: [1, 2, 3] } });
    expect(response.status, response.text).toBe(200);
    expect(response.body.Count).toEqual([3]);
    expect(response.body).not.toHaveProperty('JavaScript');
  });

  it('turns a throw into WorkflowError::JavaScript with its message, seen by the Failure branch', async () => {
    const workflow = await jsWorkflow({ code: 'function step() { throw new Error("no lines to sum"); }' }, true);
    const response = await workflow.sync({ json: {} });
    expect(response.status, response.text).toBe(422);
    expect(response.body).toEqual({
      handled: true,
      previous: {
        Id: expect.any(Number),
        Status: 'Error',
        ErrorClass: 'WorkflowError::JavaScript',
        ErrorReason: 'Error: no lines to sum',
      },
    });
  });

  it.each([
    [
      'a constructor-chain escape',
      "function step() { return this.constructor.constructor('return process')().pid; }",
      'ReferenceError: process is not defined',
      '0.5',
    ],
    [
      'require',
      "function step() { return require('child_process').execSync('id').toString(); }",
      'ReferenceError: require is not defined',
      '0.5',
    ],
    ['an infinite loop', 'function step() { while (true) {} }', 'The code ran out of time (limit 0.5 s).', '0.5'],
    [
      'a memory bomb',
      'function step() { const a = []; for (;;) a.push({ n: Math.random() }); }',
      'The code ran out of memory.',
      '15',
    ],
  ])('contains %s as a task error, and Weir goes on answering', async (_what, code, message, timeout) => {
    const workflow = await jsWorkflow({ code, timeout });
    const response = await workflow.sync({ json: {}, timeoutMs: 20_000 });
    expect(response.status, response.text).toBe(403);
    expect(response.body).toMatchObject({ error_class: 'WorkflowError::JavaScript', message });
    const healthy = await jsWorkflow({ code: 'function step() { return "still here"; }' });
    const next = await healthy.sync({ json: {} });
    expect(next.status, next.text).toBe(200);
    expect(next.body.JavaScript).toBe('still here');
  });

  it('does not let one run pollute the next', async () => {
    const polluter = await jsWorkflow({
      code: 'function step() { Object.prototype.isAdmin = true; return ({}).isAdmin; }',
    });
    expect((await polluter.sync({ json: {} })).body.JavaScript).toBe(true);
    const reader = await jsWorkflow({ code: 'function step() { return ({}).isAdmin === undefined; }' });
    expect((await reader.sync({ json: {} })).body.JavaScript).toBe(true);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});
