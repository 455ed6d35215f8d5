import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from './helpers/assertions.js';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import type { JsonBody } from './helpers/http.js';
import { waitForRun } from './helpers/runs.js';
import { must } from './helpers/setup-workflow.js';
import { fetchToken, startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { task, uniqueName, workflowDocument } from './helpers/workflows.js';

/**
 * issue 11 point 4 over HTTP: `POST /events/{event_name}` (scope `workflow:run`) starts every active
 * workflow whose active version names the event, its `event_parameters` mapped into `Data`, and
 * answers the runs started.
 */

let weir: TestWeir;
let target: CalloutTarget;

beforeAll(async () => {
  target = await startCalloutTarget();
  weir = await startTestWeir();
});
afterAll(async () => {
  await weir?.close();
  await target?.close();
});

const PARAMS = [
  { object: 'Invoice', key: 'Id', value: '<Invoice.Id>' },
  { object: 'Invoice', key: 'Category', value: '<Event.Category>' },
  { object: 'Invoice', key: 'Date', value: '<Event.Date>' },
  { object: 'Invoice', key: 'Tenant', value: '<Tenant.ID>' },
  { object: 'Invoice', key: 'Source', value: 'billing' },
];

/** An event workflow whose callout posts `Data.Invoice` to `path`; `how` says how it names the event. */
function eventWorkflow(path: string, how: 'list' | 'entry' | 'other'): JsonBody {
  const document = workflowDocument({
    name: uniqueName(`event-${how}`),
    tasks: [task.callout(1, 'Report', { url: target.url(path), rawBody: '{{ Data.Invoice | to_json }}' })],
    linkages: [
      {
        source_workflow_id: 1,
        source_task_id: null,
        target_task_id: 1,
        linkage_type: how === 'entry' ? 'InvoicePosted' : 'Start',
      },
    ],
  }) as JsonBody;
  document.workflow.event_trigger = true;
  document.workflow.parameters = {
    ...document.workflow.parameters,
    ...(how === 'entry' ? {} : { event_triggers: [how === 'list' ? 'InvoicePosted' : 'PaymentProcessed'] }),
    event_parameters: [{ eventName: 'InvoicePosted', params: PARAMS }],
  };
  return document;
}

async function importWorkflow(document: JsonBody, activate: boolean): Promise<number> {
  const answer = must(await weir.api('POST', `/workflows/import?activate=${activate}`, document), 200, 'import');
  return answer.id as number;
}

describe('POST /events/{event_name}', () => {
  it('starts every active workflow naming the event, with the event mapped into Data', async () => {
    const byList = await importWorkflow(eventWorkflow('/by-list', 'list'), true);
    const byEntry = await importWorkflow(eventWorkflow('/by-entry', 'entry'), true);
    await importWorkflow(eventWorkflow('/inactive', 'list'), false);
    await importWorkflow(eventWorkflow('/other', 'other'), true);
    const answer = await weir.api('POST', '/events/InvoicePosted', {
      'Invoice.Id': 'INV-00042',
      eventTime: '2026-03-08T10:00:00Z',
      tenantId: '9',
    });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.event).toBe('InvoicePosted');
    expect(answer.body.runs.map((r: JsonBody) => r.originalWorkflowId)).toEqual([byList, byEntry]);
    for (const run of answer.body.runs as JsonBody[]) {
      expect(run).toMatchObject({ type: 'Workflow::Instance', status: 'Queued' });
      expect((await waitForRun(weir, run.id as number)).result).toBe('Success');
    }
    const expected = {
      Id: 'INV-00042',
      Category: 'InvoicePosted',
      Date: '2026-03-08',
      Tenant: '9',
      Source: 'billing',
    };
    expect((await target.waitForRequests('/by-list', 1))[0]?.json).toEqual(expected);
    expect((await target.waitForRequests('/by-entry', 1))[0]?.json).toEqual(expected);
    expect(target.requestsTo('/inactive')).toEqual([]);
    expect(target.requestsTo('/other')).toEqual([]);
  });

  it('an event no workflow names starts nothing; the same Idempotency-Key starts nothing twice', async () => {
    const none = must(await weir.api('POST', '/events/NobodyListens', {}), 200, 'event');
    expect(none).toEqual({ event: 'NobodyListens', runs: [] });
    await importWorkflow(eventWorkflow('/keyed', 'list'), true);
    const headers = { headers: { 'Idempotency-Key': 'event-1' } };
    const first = must(await weir.api('POST', '/events/InvoicePosted', { 'Invoice.Id': 'A' }, headers), 200, 'e');
    const again = must(await weir.api('POST', '/events/InvoicePosted', { 'Invoice.Id': 'A' }, headers), 200, 'e');
    expect(again.runs.map((r: JsonBody) => r.id)).toEqual(first.runs.map((r: JsonBody) => r.id));
  });

  it('needs workflow:run; the body must be an object; the name is checked', async () => {
    const viewer = await fetchToken(weir.url, { scope: 'workflow:view' });
    expectErrorEnvelope(await weir.api('POST', '/events/InvoicePosted', {}, { token: viewer }), 403);
    expectErrorEnvelope(await weir.api('POST', '/events/InvoicePosted', [1, 2]), 400);
    expectErrorEnvelope(await weir.api('POST', '/events/bad%20name', {}), 400, { field: 'event_name' });
  });
});
