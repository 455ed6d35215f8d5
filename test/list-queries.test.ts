import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from './helpers/assertions.js';
import { waitForRun } from './helpers/runs.js';
import { must } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { start, task, workflowDocument } from './helpers/workflows.js';

/**
 * issue 11 point 8 over HTTP: list endpoints take only their own query parameters (an unknown one is a
 * 400 naming it, never silently ignored), and run lists filter by `result`.
 */

let weir: TestWeir;

beforeAll(async () => {
  weir = await startTestWeir();
});
afterAll(async () => {
  await weir?.close();
});

async function runOf(code: string): Promise<{ workflowId: number; runId: number }> {
  const document = workflowDocument({ tasks: [task.liquid(1, 'Compute', code)], linkages: [start(1)] });
  const imported = must(await weir.api('POST', '/workflows/import?activate=true', document), 200, 'import');
  must(await weir.api('PATCH', `/workflows/${imported.id}`, { callout_trigger: true }), 200, 'patch');
  const started = must(await weir.api('POST', `/workflows/${imported.id}/run`, {}), 200, 'run');
  await waitForRun(weir, started.id as number);
  return { workflowId: imported.id as number, runId: started.id as number };
}

describe('GET /workflows/workflow_runs?result=', () => {
  it('lists only runs with that result', async () => {
    const good = await runOf('{% assign answer = 42 %}');
    const bad = await runOf('{{ Data.Missing.field }}');
    const errors = must(await weir.api('GET', '/workflows/workflow_runs?result=Error'), 200, 'list');
    expect(errors.data.map((r: { id: number }) => r.id)).toEqual([bad.runId]);
    expect(errors.data[0].result).toBe('Error');
    const successes = must(await weir.api('GET', '/workflows/workflow_runs?result=Success'), 200, 'list');
    expect(successes.data.map((r: { id: number }) => r.id)).toEqual([good.runId]);
    const both = must(
      await weir.api('GET', `/workflows/workflow_runs?result=Error&workflow_id=${good.workflowId}`),
      200,
      'list',
    );
    expect(both.data).toEqual([]);
  });

  it('an unknown result value is a 400 naming result', async () => {
    const response = await weir.api('GET', '/workflows/workflow_runs?result=Failed');
    expectErrorEnvelope(response, 400, { field: 'result' });
  });
});

describe('unknown query parameters on list endpoints', () => {
  for (const [path, parameter] of [
    ['/workflows/workflow_runs?reslt=Error', 'reslt'],
    ['/workflows?colour=red', 'colour'],
    ['/workflows?page=1&sort=name', 'sort'],
    ['/workflows/1/versions?page=2', 'page'],
    ['/workflows/metrics.json?startDate=2026-01-01&endDate=2026-01-02&metrics=taskCount&entity=x', 'entity'],
  ] as const) {
    it(`${path} answers 400 naming ${parameter}`, async () => {
      const response = await weir.api('GET', path);
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([
        {
          status: 400,
          code: 'invalid',
          field: parameter,
          title: `${parameter} is not a query parameter of this operation.`,
        },
      ]);
    });
  }
});
