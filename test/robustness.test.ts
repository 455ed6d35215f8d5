import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope, expectNoStackTrace } from './helpers/assertions.js';
import { httpRequest, type HttpResponse } from './helpers/http.js';
import { listWorkflowIds } from './helpers/runs.js';
import { must, setupWorkflow, trigger, type TriggerableWorkflow } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { link, responseFormatterWorkflow, start, task, workflowDocument } from './helpers/workflows.js';

/**
 * shared/contract/api.md "Errors": malformed JSON 400, unknown id 404, a method a path does not have 405,
 * PATCH validation 422 `{success: false, reasons: [{fieldName, title}]}`, and never a 500 for what a client sends.
 */

let weir: TestWeir;
let workflow: TriggerableWorkflow;
let runId: number;
let workflowIdsBefore: Set<number>;
const UNKNOWN = 987654;

beforeAll(async () => {
  weir = await startTestWeir();
  workflow = await setupWorkflow(
    weir,
    responseFormatterWorkflow({ template: '{"ok": true}', name: 'robust original name' }),
  );
  runId = must(await workflow.run(), 200, 'run').id;
  workflowIdsBefore = await listWorkflowIds(weir);
});

afterAll(async () => {
  await weir?.close();
});

type LooseDocument = { workflow: Record<string, unknown>; tasks: Record<string, unknown>[]; linkages: unknown[] };

/** A valid two-task document, changed by `change` into something Weir must reject. */
function spoiled(change: (document: LooseDocument) => void): LooseDocument {
  const document = workflowDocument({
    tasks: [task.liquid(1, 'One', '{% assign a = 1 %}'), task.liquid(2, 'Two', '{% assign b = 2 %}')],
    linkages: [start(1), link(1, 2)],
  }) as unknown as LooseDocument;
  change(document);
  return document;
}

interface MalformedCase {
  name: string;
  method: string;
  path: () => string;
  /** JSON-encoded. */
  json?: unknown;
  /** Sent as is. */
  raw?: { body: string; contentType?: string };
  /** Default: the admin token. */
  isAnonymous?: boolean;
  /** The exact status, or the statuses the contract leaves open. */
  status: number | readonly number[];
  /** 422 cases: the `fieldName` expected among the reasons. */
  reasonField?: string;
  /** 400 cases where a field is at fault: the first error names it. */
  namesAField?: boolean;
}

const JSON_TYPE = 'application/json';

const cases: MalformedCase[] = [
  // Bodies that are not JSON, or not the JSON expected.
  {
    name: 'import: malformed JSON',
    method: 'POST',
    path: () => '/workflows/import',
    raw: { body: '{"workflow": {"name": ', contentType: JSON_TYPE },
    status: 400,
  },
  {
    name: 'import: empty JSON body',
    method: 'POST',
    path: () => '/workflows/import',
    raw: { body: '', contentType: JSON_TYPE },
    status: 400,
  },
  {
    name: 'import: text/plain body',
    method: 'POST',
    path: () => '/workflows/import',
    raw: { body: 'workflow', contentType: 'text/plain' },
    status: 415,
  },
  {
    name: 'PATCH: malformed JSON',
    method: 'PATCH',
    path: () => `/workflows/${workflow.id}`,
    raw: { body: '{"name": "x"', contentType: JSON_TYPE },
    status: 400,
  },
  {
    name: 'create: malformed JSON',
    method: 'POST',
    path: () => '/workflows',
    raw: { body: '{', contentType: JSON_TYPE },
    status: 400,
  },
  {
    name: 'import: 100,000 nested arrays',
    method: 'POST',
    path: () => '/workflows/import',
    raw: { body: `${'['.repeat(100_000)}${']'.repeat(100_000)}`, contentType: JSON_TYPE },
    status: 400,
  },

  // PATCH validation: 422 with the reference's shape.
  {
    name: 'PATCH: name not a string',
    method: 'PATCH',
    path: () => `/workflows/${workflow.id}`,
    json: { name: 5 },
    status: 422,
    reasonField: 'name',
  },
  {
    name: 'PATCH: description not a string',
    method: 'PATCH',
    path: () => `/workflows/${workflow.id}`,
    json: { description: ['a'] },
    status: 422,
    reasonField: 'description',
  },
  {
    name: 'PATCH: callout_trigger not a boolean',
    method: 'PATCH',
    path: () => `/workflows/${workflow.id}`,
    json: { callout_trigger: 'yes' },
    status: 422,
    reasonField: 'callout_trigger',
  },
  {
    name: 'PATCH: sync_trigger not a boolean',
    method: 'PATCH',
    path: () => `/workflows/${workflow.id}`,
    json: { sync_trigger: 3 },
    status: 422,
    reasonField: 'sync_trigger',
  },
  {
    name: 'PATCH: status not Active/Inactive',
    method: 'PATCH',
    path: () => `/workflows/${workflow.id}`,
    json: { status: 'on' },
    status: 422,
    reasonField: 'status',
  },
  {
    name: 'PATCH: priority not High/Medium/Low',
    method: 'PATCH',
    path: () => `/workflows/${workflow.id}`,
    json: { priority: 'Urgent' },
    status: 422,
    reasonField: 'priority',
  },
  {
    name: 'PATCH: unknown timezone',
    method: 'PATCH',
    path: () => `/workflows/${workflow.id}`,
    json: { timezone: 'Mars/Olympus_Mons' },
    status: 422,
    reasonField: 'timezone',
  },
  {
    name: 'PATCH: scheduled with an invalid cron interval',
    method: 'PATCH',
    path: () => `/workflows/${workflow.id}`,
    json: { scheduled_trigger: true, interval: 'every tuesday', timezone: 'UTC' },
    status: 422,
    reasonField: 'interval',
  },
  {
    name: 'PATCH: active_workflow_version_id not an integer',
    method: 'PATCH',
    path: () => `/workflows/${workflow.id}`,
    json: { active_workflow_version_id: 'abc' },
    status: 422,
    reasonField: 'active_workflow_version_id',
  },

  // Ids that are not integers, or far too large: 400 or 404 (the contract leaves it open), never a 500.
  { name: 'GET workflow: id abc', method: 'GET', path: () => '/workflows/abc', status: [400, 404] },
  { name: 'GET workflow: id 1.5', method: 'GET', path: () => '/workflows/1.5', status: [400, 404] },
  { name: 'GET workflow: id 1e3', method: 'GET', path: () => '/workflows/1e3', status: [400, 404] },
  { name: 'GET workflow: id %zz (bad escape)', method: 'GET', path: () => '/workflows/%zz', status: [400, 404] },
  { name: 'GET workflow: id 0', method: 'GET', path: () => '/workflows/0', status: [400, 404] },
  { name: 'GET workflow: id -1', method: 'GET', path: () => '/workflows/-1', status: [400, 404] },
  {
    name: 'GET workflow: 23-digit id',
    method: 'GET',
    path: () => '/workflows/99999999999999999999999',
    status: [400, 404],
  },
  { name: 'GET workflow: 2^53 + 1', method: 'GET', path: () => '/workflows/9007199254740993', status: [400, 404] },
  { name: 'GET workflow: 2^63', method: 'GET', path: () => '/workflows/9223372036854775808', status: [400, 404] },
  {
    name: 'PATCH workflow: id abc',
    method: 'PATCH',
    path: () => '/workflows/abc',
    json: { name: 'x' },
    status: [400, 404],
  },
  { name: 'DELETE workflow: id abc', method: 'DELETE', path: () => '/workflows/abc', status: [400, 404] },
  { name: 'settings: id abc', method: 'GET', path: () => '/workflows/abc/settings', status: [400, 404] },
  { name: 'run: id abc', method: 'POST', path: () => '/workflows/abc/run', json: {}, status: [400, 404] },
  { name: 'GET run: id abc', method: 'GET', path: () => '/workflows/workflow_runs/abc', status: [400, 404] },
  {
    name: 'GET run: 23-digit id',
    method: 'GET',
    path: () => '/workflows/workflow_runs/99999999999999999999999',
    status: [400, 404],
  },
  { name: 'stop run: id abc', method: 'PUT', path: () => '/workflows/workflow_runs/abc/stop', status: [400, 404] },
  {
    name: 'trigger /run: id abc (no credentials)',
    method: 'POST',
    path: () => '/api/v1/workflows/abc/run',
    isAnonymous: true,
    status: 401,
  },
  {
    name: 'trigger /sync: 23-digit id (no credentials)',
    method: 'GET',
    path: () => '/api/v1/workflows/99999999999999999999999/sync',
    isAnonymous: true,
    status: 401,
  },

  // Unknown ids.
  { name: 'GET unknown workflow', method: 'GET', path: () => `/workflows/${UNKNOWN}`, status: 404 },
  {
    name: 'PATCH unknown workflow',
    method: 'PATCH',
    path: () => `/workflows/${UNKNOWN}`,
    json: { name: 'x' },
    status: 404,
  },
  { name: 'DELETE unknown workflow', method: 'DELETE', path: () => `/workflows/${UNKNOWN}`, status: 404 },
  { name: 'settings of an unknown workflow', method: 'GET', path: () => `/workflows/${UNKNOWN}/settings`, status: 404 },
  {
    name: 'rotate for an unknown workflow',
    method: 'POST',
    path: () => `/workflows/${UNKNOWN}/settings/rotate`,
    status: 404,
  },
  { name: 'run an unknown workflow', method: 'POST', path: () => `/workflows/${UNKNOWN}/run`, json: {}, status: 404 },
  { name: 'export an unknown workflow', method: 'GET', path: () => `/workflows/${UNKNOWN}/export`, status: 404 },
  { name: 'versions of an unknown workflow', method: 'GET', path: () => `/workflows/${UNKNOWN}/versions`, status: 404 },
  { name: 'GET unknown run', method: 'GET', path: () => `/workflows/workflow_runs/${UNKNOWN}`, status: 404 },
  { name: 'stop an unknown run', method: 'PUT', path: () => `/workflows/workflow_runs/${UNKNOWN}/stop`, status: 404 },

  // Unknown paths.
  { name: 'GET /nope', method: 'GET', path: () => '/nope', status: 404 },
  { name: 'GET /workflows/{id}/nope', method: 'GET', path: () => `/workflows/${workflow.id}/nope`, status: 404 },
  { name: 'GET /api/v1/nope', method: 'GET', path: () => '/api/v1/nope', isAnonymous: true, status: 404 },
  {
    name: 'POST /api/v1/workflows/{id}/nope',
    method: 'POST',
    path: () => `/api/v1/workflows/${workflow.id}/nope`,
    isAnonymous: true,
    status: 404,
  },
  { name: 'POST /oauth/nope', method: 'POST', path: () => '/oauth/nope', isAnonymous: true, status: 404 },

  // Methods a path does not have.
  { name: 'GET /oauth/token', method: 'GET', path: () => '/oauth/token', isAnonymous: true, status: 405 },
  { name: 'DELETE /oauth/token', method: 'DELETE', path: () => '/oauth/token', isAnonymous: true, status: 405 },
  { name: 'PUT /workflows/import', method: 'PUT', path: () => '/workflows/import', json: {}, status: 405 },
  {
    name: 'DELETE /api/v1/workflows/{id}/run',
    method: 'DELETE',
    path: () => `/api/v1/workflows/${workflow.id}/run`,
    isAnonymous: true,
    status: 405,
  },
  {
    name: 'PUT /api/v1/workflows/{id}/sync',
    method: 'PUT',
    path: () => `/api/v1/workflows/${workflow.id}/sync`,
    isAnonymous: true,
    status: 405,
  },
  {
    name: 'POST /workflows/workflow_runs/{id}',
    method: 'POST',
    path: () => `/workflows/workflow_runs/${runId}`,
    json: {},
    status: 405,
  },
  {
    name: 'DELETE /workflows/workflow_runs/{id}/stop',
    method: 'DELETE',
    path: () => `/workflows/workflow_runs/${runId}/stop`,
    status: 405,
  },
  {
    name: 'GET /workflows/{id}/settings/rotate',
    method: 'GET',
    path: () => `/workflows/${workflow.id}/settings/rotate`,
    status: 405,
  },

  // Garbage documents on import (and create, which takes the same body).
  { name: 'import: a JSON array', method: 'POST', path: () => '/workflows/import', json: [], status: 400 },
  { name: 'import: an empty object', method: 'POST', path: () => '/workflows/import', json: {}, status: 400 },
  { name: 'import: a JSON string', method: 'POST', path: () => '/workflows/import', json: 'workflow', status: 400 },
  {
    name: 'import: JSON null',
    method: 'POST',
    path: () => '/workflows/import',
    raw: { body: 'null', contentType: JSON_TYPE },
    status: 400,
  },
  {
    name: 'import: empty workflow, tasks and linkages',
    method: 'POST',
    path: () => '/workflows/import',
    json: { workflow: {}, tasks: [], linkages: [] },
    status: 400,
  },
  {
    name: 'import: no tasks',
    method: 'POST',
    path: () => '/workflows/import',
    json: spoiled((d) => {
      d.tasks = [];
    }),
    status: 400,
  },
  {
    name: 'import: no linkages',
    method: 'POST',
    path: () => '/workflows/import',
    json: spoiled((d) => {
      d.linkages = [];
    }),
    status: 400,
  },
  {
    name: 'import: tasks not an array',
    method: 'POST',
    path: () => '/workflows/import',
    json: spoiled((d) => {
      (d as unknown as Record<string, unknown>).tasks = { id: 1 };
    }),
    status: 400,
  },
  {
    name: 'import: workflow name not a string',
    method: 'POST',
    path: () => '/workflows/import',
    json: spoiled((d) => {
      d.workflow.name = 5;
    }),
    status: 400,
  },
  {
    name: 'import: a task without action_type',
    method: 'POST',
    path: () => '/workflows/import',
    json: spoiled((d) => {
      delete d.tasks[0]?.action_type;
    }),
    status: 400,
  },
  {
    name: 'import: task parameters a string',
    method: 'POST',
    path: () => '/workflows/import',
    json: spoiled((d) => {
      if (d.tasks[0]) d.tasks[0].parameters = 'none';
    }),
    status: 400,
  },
  {
    name: 'import: an input of an unknown datatype',
    method: 'POST',
    path: () => '/workflows/import',
    json: spoiled((d) => {
      d.workflow.parameters = { fields: [{ object_name: 'Workflow', field_name: 'x', datatype: 'Money' }] };
    }),
    status: 400,
  },
  {
    name: 'import: no Start linkage',
    method: 'POST',
    path: () => '/workflows/import',
    json: spoiled((d) => {
      d.linkages = [link(1, 2)];
    }),
    status: 400,
    namesAField: true,
  },
  {
    name: 'import: two Start linkages',
    method: 'POST',
    path: () => '/workflows/import',
    json: spoiled((d) => {
      d.linkages = [start(1), start(2), link(1, 2)];
    }),
    status: 400,
    namesAField: true,
  },
  {
    name: 'import: a linkage to a task that does not exist',
    method: 'POST',
    path: () => '/workflows/import',
    json: spoiled((d) => {
      d.linkages = [start(1), link(1, 99)];
    }),
    status: 400,
    namesAField: true,
  },
  {
    name: 'import: a Start linkage to a task that does not exist',
    method: 'POST',
    path: () => '/workflows/import',
    json: spoiled((d) => {
      d.linkages = [start(42)];
    }),
    status: 400,
    namesAField: true,
  },
  { name: 'create: an empty object', method: 'POST', path: () => '/workflows', json: {}, status: 400 },
  {
    name: 'create: no Start linkage',
    method: 'POST',
    path: () => '/workflows',
    json: spoiled((d) => {
      d.linkages = [link(1, 2)];
    }),
    status: 400,
    namesAField: true,
  },
];

function send(testCase: MalformedCase): Promise<HttpResponse> {
  const options = {
    token: testCase.isAnonymous ? null : undefined,
    rawBody: testCase.raw?.body,
    contentType: testCase.raw?.contentType,
  };
  return weir.api(testCase.method, testCase.path(), testCase.raw ? undefined : testCase.json, options);
}

describe('malformed requests', () => {
  it.each(cases)('$method $name → $status', async (testCase) => {
    const response = await send(testCase);
    const allowed = typeof testCase.status === 'number' ? [testCase.status] : testCase.status;
    expect(response.status, `${response.status} ${response.text.slice(0, 500)}`).not.toBe(500);
    expect(allowed, `${response.status} ${response.text.slice(0, 500)}`).toContain(response.status);
    expectNoStackTrace(response);
    if (testCase.reasonField !== undefined) {
      expect(response.body.success).toBe(false);
      expect(Array.isArray(response.body.reasons)).toBe(true);
      for (const reason of response.body.reasons) {
        expect(reason.fieldName).toBeTypeOf('string');
        expect(reason.title).toBeTypeOf('string');
        expect(reason.title.length).toBeGreaterThan(0);
      }
      expect(response.body.reasons.map((r: { fieldName: string }) => r.fieldName)).toContain(testCase.reasonField);
      return;
    }
    expectErrorEnvelope(response, response.status);
    if (testCase.namesAField) {
      expect(response.body.errors[0].field, response.text).toBeTypeOf('string');
      expect(response.body.errors[0].field.length).toBeGreaterThan(0);
    }
    if (response.status === 401) expect(response.headers['www-authenticate']).toBe('Basic realm="weir"');
    // RFC 9110 §15.5.6: a 405 names the methods the path has.
    if (response.status === 405) expect(String(response.headers.allow ?? '')).toMatch(/[A-Z]+/);
  });

  it('a rejected PATCH changed nothing', async () => {
    const current = must(await weir.api('GET', `/workflows/${workflow.id}`), 200, 'GET workflow');
    expect(current.name).toBe('robust original name');
    expect(current.status).toBe('Active');
    expect(current.calloutTrigger).toBe(true);
  });

  it('an import with task types Weir does not run is 400 listing every one by name and type', async () => {
    const document = workflowDocument({
      tasks: [
        task.liquid(1, 'Fine', '{% assign a = 1 %}'),
        task.raw(2, 'Mystery Step', 'Foo::Bar'),
        task.raw(3, 'Look Things Up', 'Query', { object: 'Account' }),
      ],
      linkages: [start(1), link(1, 2), link(2, 3)],
    });
    const response = await weir.api('POST', '/workflows/import?activate=true', document);
    expectErrorEnvelope(response, 400);
    for (const word of ['Mystery Step', 'Foo::Bar', 'Look Things Up', 'Query']) expect(response.text).toContain(word);
  });

  it('stored no workflow for any rejected import or create', async () => {
    expect(await listWorkflowIds(weir)).toEqual(workflowIdsBefore);
  });
});

describe('request ids and Zuora-Track-Id', () => {
  const requests: [string, (trackId: string) => Promise<HttpResponse>][] = [
    [
      'a 200 on the management API',
      (trackId) => weir.api('GET', '/workflows', undefined, { headers: { 'Zuora-Track-Id': trackId } }),
    ],
    ['a 404', (trackId) => weir.api('GET', '/nope', undefined, { headers: { 'Zuora-Track-Id': trackId } })],
    [
      'a 401 on the management API',
      (trackId) => weir.api('GET', '/workflows', undefined, { token: null, headers: { 'Zuora-Track-Id': trackId } }),
    ],
    [
      'a 401 on the token endpoint',
      (trackId) =>
        httpRequest(`${weir.url}/oauth/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Zuora-Track-Id': trackId },
          body: 'grant_type=client_credentials&client_id=nobody&client_secret=nothing-at-all-here',
        }),
    ],
    ['a 200 on the trigger API', (trackId) => workflow.run({ headers: { 'Zuora-Track-Id': trackId } })],
    [
      'a 401 on the trigger API',
      (trackId) => trigger(weir.url, workflow.id, 'sync', { headers: { 'Zuora-Track-Id': trackId } }),
    ],
  ];

  it.each(requests)('%s carries Weir-Request-Id and echoes Zuora-Track-Id', async (name, request) => {
    const trackId = `track-${name.replace(/\W+/g, '-')}`.slice(0, 64);
    const response = await request(trackId);
    expect(response.status).not.toBe(500);
    const requestId = response.headers['weir-request-id'];
    expect(requestId).toBeTypeOf('string');
    expect(String(requestId).length).toBeGreaterThan(0);
    expect(response.headers['zuora-track-id']).toBe(trackId);
  });

  it('gives every response its own request id', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i += 1) ids.add(String((await weir.api('GET', '/workflows')).headers['weir-request-id']));
    expect(ids.size).toBe(5);
  });
});
