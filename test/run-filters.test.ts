import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonBody } from './helpers/http.js';
import { waitForRun } from './helpers/runs.js';
import { must, setupWorkflow, type TriggerableWorkflow } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { failingCalloutWorkflow, responseFormatterWorkflow } from './helpers/workflows.js';

/**
 * `GET /workflows/workflow_runs` filters (**ext**): result, mode, created_after/created_before, input text,
 * with workflow_id and status; newest first, paged; unknown parameters refused by name.
 */
describe('listing runs with filters', () => {
  // Less than the admin token's hour, which the moved clock would otherwise expire.
  const STEP = 40 * 60_000;
  const DAY = 24 * 3600_000;
  let offsetMs = 0;
  let weir: TestWeir;
  let echo: TriggerableWorkflow;
  let failing: TriggerableWorkflow;
  const ids: Record<'acme' | 'globex' | 'failed', number> = { acme: 0, globex: 0, failed: 0 };
  let day0 = 0;

  beforeAll(async () => {
    weir = await startTestWeir({}, { now: () => Date.now() + offsetMs });
    echo = await setupWorkflow(
      weir,
      responseFormatterWorkflow({
        template: '{"ok": true}',
        fields: [
          {
            callout_id: 'Customer',
            object_name: 'Workflow',
            field_name: 'Customer',
            datatype: 'Text',
            required: false,
          },
        ],
      }),
    );
    // Port 1 on loopback refuses the connection: the callout fails at once, the run ends in Error.
    failing = await setupWorkflow(
      weir,
      failingCalloutWorkflow({ url: 'http://127.0.0.1:1/down', hasFailureBranch: false }),
    );

    day0 = Date.now();
    const acme = await echo.sync({ json: { Customer: 'Acme Ltd' } });
    expect(acme.status, acme.text).toBe(200);
    ids.acme = await latestRunId(echo.id);

    offsetMs = STEP;
    const globex = await echo.run({ json: { Customer: 'Globex_100%' } });
    expect(globex.status, globex.text).toBe(200);
    ids.globex = globex.body.id as number;
    await waitForRun(weir, ids.globex);

    const failed = await failing.run({ json: {} });
    expect(failed.status, failed.text).toBe(200);
    ids.failed = failed.body.id as number;
    expect(await waitForRun(weir, ids.failed)).toMatchObject({ status: 'Finished', result: 'Error' });
  }, 60_000);

  afterAll(async () => {
    await weir?.close();
  });

  async function latestRunId(workflowId: number): Promise<number> {
    const page = must(await weir.api('GET', `/workflows/workflow_runs?workflow_id=${workflowId}`), 200, 'list');
    return (page.data as JsonBody[])[0]?.id as number;
  }

  async function idsOf(query: string): Promise<number[]> {
    const page = must(await weir.api('GET', `/workflows/workflow_runs?${query}`), 200, query);
    return (page.data as JsonBody[]).map((run) => run.id as number);
  }

  it('filters by result, mode and workflow, newest first', async () => {
    expect(await idsOf('result=Error')).toEqual([ids.failed]);
    expect(await idsOf(`result=Success&workflow_id=${echo.id}`)).toEqual([ids.globex, ids.acme]);
    expect(await idsOf('mode=sync')).toEqual([ids.acme]);
    expect(await idsOf('mode=standard')).toEqual([ids.failed, ids.globex]);
    expect(await idsOf(`result=Error&workflow_id=${echo.id}`)).toEqual([]);
    expect(await idsOf('status=Finished&result=Success&mode=standard')).toEqual([ids.globex]);
  });

  it('filters by creation time: created_after inclusive, created_before exclusive, in UTC', async () => {
    const between = new Date(day0 + STEP / 2).toISOString();
    expect(await idsOf(`created_after=${encodeURIComponent(between)}`)).toEqual([ids.failed, ids.globex]);
    expect(await idsOf(`created_before=${encodeURIComponent(between)}`)).toEqual([ids.acme]);
    const run = must(await weir.api('GET', `/workflows/workflow_runs/${ids.acme}`), 200, 'run');
    // The API's own timestamp format works too; the run's own second is inside the range it starts.
    const createdAt = run.createdAt as string;
    expect(await idsOf(`mode=sync&created_after=${encodeURIComponent(createdAt)}`)).toEqual([ids.acme]);
    expect(await idsOf(`mode=sync&created_before=${encodeURIComponent(createdAt)}`)).toEqual([]);
    // A date alone is midnight UTC.
    const later = (days: number) => new Date(day0 + STEP + days * DAY).toISOString().slice(0, 10);
    expect(await idsOf(`created_after=${later(1)}`)).toEqual([]);
    expect(await idsOf(`created_before=${later(1)}`)).toEqual([ids.failed, ids.globex, ids.acme]);
  });

  it('finds runs by text in their inputs, literally and ignoring case', async () => {
    expect(await idsOf('input=acme')).toEqual([ids.acme]);
    expect(await idsOf('input=ACME%20LTD')).toEqual([ids.acme]);
    // `%` and `_` are plain characters here, not patterns.
    expect(await idsOf(`input=${encodeURIComponent('_100%')}`)).toEqual([ids.globex]);
    expect(await idsOf(`input=${encodeURIComponent('%')}`)).toEqual([ids.globex]);
    expect(await idsOf(`input=${encodeURIComponent("' OR 1=1 --")}`)).toEqual([]);
    expect(await idsOf('input=Customer')).toEqual([ids.globex, ids.acme]);
  });

  it('pages a filtered list, and the next page keeps the filters', async () => {
    const first = must(await weir.api('GET', `/workflows/workflow_runs?result=Success&page_length=1`), 200, 'page 1');
    expect((first.data as JsonBody[]).map((r) => r.id)).toEqual([ids.globex]);
    const next = new URL(first.pagination.next_page as string);
    expect(next.searchParams.get('result')).toBe('Success');
    expect(next.searchParams.get('page')).toBe('2');
    const second = must(await weir.api('GET', `${next.pathname}${next.search}`), 200, 'page 2');
    expect((second.data as JsonBody[]).map((r) => r.id)).toEqual([ids.acme]);
    expect(second.pagination.next_page).toBeNull();
  });

  it('answers 400 naming unknown parameters and bad values', async () => {
    const unknown = await weir.api('GET', '/workflows/workflow_runs?resutl=Error&since=today&status=Finished');
    expect(unknown.status).toBe(400);
    expect((unknown.body.errors as JsonBody[]).map((e) => e.field)).toEqual(['resutl', 'since']);
    expect(unknown.body.errors[0].title).toContain('resutl is not a query parameter');

    const badResult = await weir.api('GET', '/workflows/workflow_runs?result=Failed');
    expect(badResult.status).toBe(400);
    expect(badResult.body.errors[0].field).toBe('result');

    const badMode = await weir.api('GET', '/workflows/workflow_runs?mode=responsive');
    expect(badMode.status).toBe(400);
    expect(badMode.body.errors[0].field).toBe('mode');

    for (const value of ['yesterday', '2026-13-01', '2026-12-01T25:00:00Z', '1700000000']) {
      const badTime = await weir.api('GET', `/workflows/workflow_runs?created_after=${encodeURIComponent(value)}`);
      expect(badTime.status, value).toBe(400);
      expect(badTime.body.errors[0].field, value).toBe('created_after');
    }
    const badBefore = await weir.api('GET', '/workflows/workflow_runs?created_before=soon');
    expect(badBefore.status).toBe(400);
    expect(badBefore.body.errors[0].field).toBe('created_before');

    const longInput = await weir.api('GET', `/workflows/workflow_runs?input=${'x'.repeat(201)}`);
    expect(longInput.status).toBe(400);
    expect(longInput.body.errors[0].field).toBe('input');

    const twice = await weir.api('GET', '/workflows/workflow_runs?result=Error&result=Success');
    expect(twice.status).toBe(400);
    expect(twice.body.errors[0].field).toBe('result');
  });
});

describe('a run says who triggered it and with what', () => {
  let weir: TestWeir;
  afterAll(async () => {
    await weir?.close();
  });

  it('answers the inputs, run user, priority and idempotency key of a run', async () => {
    weir = await startTestWeir();
    const echo = await setupWorkflow(
      weir,
      responseFormatterWorkflow({
        template: '{"ok": true}',
        fields: [
          {
            callout_id: 'Customer',
            object_name: 'Workflow',
            field_name: 'Customer',
            datatype: 'Text',
            required: false,
          },
        ],
      }),
    );
    const started = await echo.run({ json: { Customer: 'Initech' } });
    expect(started.status, started.text).toBe(200);
    const run = await waitForRun(weir, started.body.id as number);
    expect(run).toMatchObject({
      mode: 'standard',
      priority: 'Medium',
      inputs: { Workflow: { Customer: 'Initech' } },
      idempotencyKey: null,
    });
    expect(typeof run.runUser).toBe('string');
    expect(run.runUser).not.toBe('');
    const listed = must(await weir.api('GET', `/workflows/workflow_runs?workflow_id=${echo.id}`), 200, 'list');
    expect(listed.data[0].runUser).toBe(run.runUser);
  });
});
