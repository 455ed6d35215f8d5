import type { InputField } from '../src/model/workflow-document.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectResponsive, healthWhile } from './helpers/responsiveness.js';
import { setupWorkflow } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { link, start, task, uniqueName, workflowDocument } from './helpers/workflows.js';

/**
 * No request can freeze the server: while hostile input runs (a catastrophic regex, a template
 * that computes for seconds), `/health` keeps answering in < 50 ms. Before RE2 and the template
 * workers, `(a+)+b` against 28 characters held every request for 7.6 s.
 */

let weir: TestWeir;

beforeAll(async () => {
  weir = await startTestWeir();
});
afterAll(async () => {
  await weir?.close();
});

const valueField: InputField[] = [
  { callout_id: 'value', object_name: 'Workflow', field_name: 'value', datatype: 'Text', required: false },
];

describe('a hostile request does not freeze the server', () => {
  it('matches a catastrophic Case pattern against caller input in linear time', async () => {
    const answer = (id: number, hook: string) => task.responseFormatter(id, hook, { template: `{"hook": "${hook}"}` });
    const workflow = await setupWorkflow(
      weir,
      workflowDocument({
        name: uniqueName('redos'),
        fields: valueField,
        tasks: [
          task.raw(1, 'Route', 'Logic::Case', {
            case_clause: '{{ Data.Workflow.value }}',
            case_condition: { Case_1: '(a+)+b' },
          }),
          answer(2, 'Case_1'),
          answer(3, 'Case_Else'),
        ],
        linkages: [start(1), link(1, 2, 'Case_1'), link(1, 3, 'Case_Else')],
      }),
    );
    expect((await workflow.sync({ json: { value: 'aab' } })).body).toEqual({ hook: 'Case_1' });
    // 32 characters: minutes for a backtracking engine, doubling with each one more.
    const requests = (async () => {
      const responses = [];
      for (let i = 0; i < 20; i += 1) responses.push(await workflow.sync({ json: { value: 'a'.repeat(32) } }));
      return responses;
    })();
    const times = await healthWhile(weir, requests);
    expect(times.result).toHaveLength(20);
    for (const response of times.result) {
      expect(response.status, response.text).toBe(200);
      expect(response.body).toEqual({ hook: 'Case_Else' });
    }
    // Linear time: the 20 requests may well be over before many polls; those made answered at once.
    expectResponsive(times, 1);
  });

  it('refuses at import a Case pattern that needs backtracking, naming it', async () => {
    const response = await weir.api(
      'POST',
      '/workflows/import',
      workflowDocument({
        tasks: [task.raw(1, 'Route', 'Logic::Case', { case_clause: '{{ 1 }}', case_condition: { Case_1: '(a)\\1' } })],
        linkages: [start(1)],
      }),
    );
    expect(response.status, response.text).toBe(400);
    expect(response.text).toContain('case_condition.Case_1');
    expect(response.text).toContain('backreferences and lookaround are not supported');
  });

  it('finishes a heavy template off the event loop, and fails a runaway one at its budget', async () => {
    const workflow = await setupWorkflow(
      weir,
      workflowDocument({
        name: uniqueName('heavy template'),
        fields: valueField,
        tasks: [
          task.liquid(
            1,
            'Compute',
            // Data.Workflow.value sets the size: 300 (~0.2 s of CPU) or 5000 (~minutes, past 10 s).
            '{% assign n = Data.Workflow.value | plus: 0 %}{% for i in (1..n) %}{% for j in (1..n) %}{% endfor %}{% endfor %}{% assign done = n %}',
          ),
          task.responseFormatter(2, 'Answer', { template: '{"done": {{ Data.Liquid.done }}}' }),
        ],
        linkages: [start(1), link(1, 2)],
      }),
    );
    expect((await workflow.sync({ json: { value: '2' } })).body).toEqual({ done: 2 });
    const heavy = await healthWhile(weir, workflow.sync({ json: { value: '300' } }));
    expect(heavy.result.status, heavy.result.text).toBe(200);
    expect(heavy.result.body).toEqual({ done: 300 });
    expectResponsive(heavy, 3);

    const runaway = await healthWhile(weir, workflow.sync({ json: { value: '5000' } }));
    expect(runaway.result.status, runaway.result.text).toBe(403);
    expect(runaway.result.body.error_class).toBe('WorkflowError::Liquid');
    // 25 million loop steps: the memory budget (20 million units) or the time budget (10 s) stops it,
    // whichever this machine reaches first.
    expect(runaway.result.body.message).toMatch(
      /^code: the Liquid template (ran out of time \(limit 10 s\)|used too much memory \(limit 20000000 units\))$/,
    );
    expectResponsive(runaway, 100);
  });
});
