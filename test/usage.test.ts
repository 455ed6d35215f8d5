import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from './helpers/assertions.js';
import { expectRunSucceeds } from './helpers/runs.js';
import { must, setupWorkflow, type ApiClient } from './helpers/setup-workflow.js';
import { fetchToken, startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { link, start, task, workflowDocument } from './helpers/workflows.js';

/**
 * issue 4 "Usage": `GET /workflows/metrics.json?startDate=&endDate=&metrics=taskCount` answers task
 * instances per UTC day, `{"metrics": [{"date", "values": {"taskCount"}}]}`; bad parameters are 400s
 * naming the parameter. The counts outlive retention.
 */

let clock = Date.parse('2026-02-10T23:59:00Z');
let weir: TestWeir;
let token = '';
const api: ApiClient = {
  get url() {
    return weir.url;
  },
  api: (method, urlPath, body, options = {}) => weir.api(method, urlPath, body, { token, ...options }),
};

async function setClock(iso: string): Promise<void> {
  clock = Date.parse(iso);
  token = await fetchToken(weir.url);
}

beforeAll(async () => {
  weir = await startTestWeir({}, { now: () => clock, hasBackgroundTimers: false });
  token = weir.token;
});

afterAll(async () => {
  await weir?.close();
});

const metrics = (query: string) => api.api('GET', `/workflows/metrics.json${query}`);

describe('GET /workflows/metrics.json', () => {
  it('counts task instances per UTC day, every day of the range, and keeps counting after retention', async () => {
    // Two tasks per run, and a TTL of 1 day.
    const document = workflowDocument({
      tasks: [task.liquid(1, 'One', '{% assign a = 1 %}'), task.liquid(2, 'Two', '{% assign b = 2 %}')],
      linkages: [start(1), link(1, 2)],
    });
    const workflow = await setupWorkflow(api, { ...document, workflow: { ...document.workflow, delete_ttl: 1 } });
    const runOnce = async () => expectRunSucceeds(api, must(await workflow.run(), 200, 'run').id);
    await runOnce(); // 2026-02-10
    await setClock('2026-02-11T00:00:00Z');
    await runOnce();
    await runOnce(); // 2026-02-11
    await setClock('2026-02-13T12:00:00Z');
    await runOnce(); // 2026-02-13

    const answer = must(await metrics('?startDate=2026-02-09&endDate=2026-02-13&metrics=taskCount'), 200, 'usage');
    expect(answer).toEqual({
      metrics: [
        { date: '2026-02-09', values: { taskCount: 0 } },
        { date: '2026-02-10', values: { taskCount: 2 } },
        { date: '2026-02-11', values: { taskCount: 4 } },
        { date: '2026-02-12', values: { taskCount: 0 } },
        { date: '2026-02-13', values: { taskCount: 2 } },
      ],
    });
    const oneDay = must(await metrics('?startDate=2026-02-11&endDate=2026-02-11&metrics=taskCount'), 200, 'one day');
    expect(oneDay).toEqual({ metrics: [{ date: '2026-02-11', values: { taskCount: 4 } }] });

    // Retention deletes the first three runs' task instances; usage still counts them.
    expect((await weir.running.retention.tick(clock)).taskInstances).toBe(6);
    expect(must(await metrics('?startDate=2026-02-09&endDate=2026-02-13&metrics=taskCount'), 200, 'usage')).toEqual(
      answer,
    );
  });

  it('answers 400 naming the parameter at fault', async () => {
    const cases: Array<[string, string]> = [
      ['?endDate=2026-02-11&metrics=taskCount', 'startDate'],
      ['?startDate=2026-02-11&metrics=taskCount', 'endDate'],
      ['?startDate=2026-02-11&endDate=2026-02-11', 'metrics'],
      ['?startDate=2026-02-11&endDate=2026-02-11&metrics=runCount', 'metrics'],
      ['?startDate=yesterday&endDate=2026-02-11&metrics=taskCount', 'startDate'],
      ['?startDate=2026-02-30&endDate=2026-03-01&metrics=taskCount', 'startDate'],
      ['?startDate=2026-02-11&endDate=2026-13-01&metrics=taskCount', 'endDate'],
      ['?startDate=2026-02-11&endDate=2026-02-10&metrics=taskCount', 'endDate'],
      ['?startDate=2020-01-01&endDate=2026-02-10&metrics=taskCount', 'endDate'],
    ];
    for (const [query, field] of cases) {
      const response = await metrics(query);
      expectErrorEnvelope(response, 400, { field });
    }
    expectErrorEnvelope(await api.api('GET', '/workflows/metrics.json', undefined, { token: null }), 401);
  });
});
