import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import { setupWorkflow, type TriggerableWorkflow } from './helpers/setup-workflow.js';
import { fetchToken, startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { link, start, task, uniqueName, workflowDocument } from './helpers/workflows.js';

/**
 * Callout secrets are written through the API and never read back: no answer (task lists, task
 * instances, exports, `/sync`'s Data) shows a basic password, bearer token, OAuth client secret,
 * HMAC key or a custom credential header; a new version imported from a masked export keeps them.
 */

const SECRETS = ['pw-basic-1', 'key-literal-2', 'hmac-secret-3', 'bearer-4', 'oauth-secret-5', 'at-6'] as const;

let weir: TestWeir;
let target: CalloutTarget;
let viewToken: string;
let workflow: TriggerableWorkflow;
let versionId: number;

function callout(path: string, overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    url: target.url(path),
    method: 'POST',
    body_type: 'raw',
    raw_body: '{"n": 1}',
    headers: [{ key: '', value: '' }],
    authorization: { type: 'none' },
    validation: { status_codes: ['200'] },
    retry_rules: { retry_count: '0', retry_window: '0' },
    include_response_code: 'true',
    strict_variables: 'true',
    ...overrides,
  };
}

function document() {
  return workflowDocument({
    name: uniqueName('secrets'),
    fields: [{ callout_id: 'token', object_name: 'Workflow', field_name: 'token', datatype: 'Text', required: false }],
    tasks: [
      task.raw(
        1,
        'Basic',
        'Callout',
        callout('/basic', {
          authorization: { type: 'basic_auth', username: 'ada', password: 'pw-basic-1' },
          headers: [
            { key: 'X-Api-Key', value: 'key-literal-2' },
            { key: 'X-Tenant', value: 'acme' },
            { key: 'X-Auth-Token', value: '{{ Data.Workflow.token }}' },
          ],
        }),
      ),
      task.raw(2, 'Hmac', 'Callout', callout('/hmac', { authorization: { type: 'hmac', secret: 'hmac-secret-3' } })),
      task.raw(3, 'Bearer', 'Callout', callout('/bearer', { authorization: { type: 'bearer', token: 'bearer-4' } })),
      task.raw(
        4,
        'OAuth',
        'Callout',
        callout('/oauth', {
          authorization: {
            type: 'oauth2',
            token_url: target.url('/token'),
            client_id: 'weir',
            client_secret: 'oauth-secret-5',
          },
        }),
      ),
    ],
    linkages: [start(1), link(1, 2), link(2, 3), link(3, 4)],
  });
}

function expectNoSecret(text: string, where: string): void {
  for (const secret of SECRETS) expect(text, `${where} shows ${secret}`).not.toContain(secret);
}

beforeAll(async () => {
  [weir, target] = await Promise.all([startTestWeir(), startCalloutTarget()]);
  viewToken = await fetchToken(weir.url, { scope: 'workflow:view' });
  target.on('/token', { body: { access_token: 'at-6', token_type: 'Bearer', expires_in: 3600 } });
  workflow = await setupWorkflow(weir, document());
  const versions = await weir.api('GET', `/workflows/${workflow.id}/versions`);
  versionId = versions.body.data[0].id;
});
afterAll(async () => {
  await Promise.all([weir?.close(), target?.close()]);
});

describe('callout secrets', () => {
  it('are sent, but not copied into Data: the /sync answer holds none', async () => {
    const response = await workflow.sync({ json: { token: 'caller-token' } });
    expect(response.status, response.text).toBe(200);
    expectNoSecret(response.text, '/sync');
    const basic = target.requestsTo('/basic').at(-1);
    expect(basic?.headers['x-api-key']).toBe('key-literal-2');
    expect(basic?.headers.authorization).toBe(`Basic ${Buffer.from('ada:pw-basic-1').toString('base64')}`);
    const records = response.body.Callout as { URL: string; RequestHeaders: Record<string, string> }[];
    const basicRecord = records.find((r) => r.URL === target.url('/basic'));
    expect(basicRecord?.RequestHeaders).toMatchObject({
      authorization: '[redacted]',
      'x-api-key': '[redacted]',
      'x-auth-token': '[redacted]',
      'x-tenant': 'acme',
      'idempotency-key': expect.stringMatching(/^\d+:\d+:1$/),
    });
    const hmacRecord = records.find((r) => r.URL === target.url('/hmac'));
    expect(hmacRecord?.RequestHeaders['x-signature']).toBe('[redacted]');
  });

  it('are masked in the tasks a workflow:view token lists, setup and instances', async () => {
    const listed = await weir.api('GET', `/workflows/tasks?instance=false&workflow_id=${versionId}`, undefined, {
      token: viewToken,
    });
    expect(listed.status, listed.text).toBe(200);
    expectNoSecret(listed.text, 'GET /workflows/tasks?instance=false');
    const basic = listed.body.data.find((t: { name: string }) => t.name === 'Basic');
    expect(basic.parameters.authorization).toEqual({ type: 'basic_auth', username: 'ada', password: '********' });
    expect(basic.parameters.headers).toEqual([
      { key: 'X-Api-Key', value: '********' },
      { key: 'X-Tenant', value: 'acme' },
      // A reference to where the secret lives is no secret itself.
      { key: 'X-Auth-Token', value: '{{ Data.Workflow.token }}' },
    ]);

    const instances = await weir.api('GET', '/workflows/tasks?page_length=100', undefined, { token: viewToken });
    expect(instances.status, instances.text).toBe(200);
    expect(instances.body.data.length).toBeGreaterThanOrEqual(4);
    expectNoSecret(instances.text, 'GET /workflows/tasks');
  });

  it('are masked in exports, and a new version imported from one keeps them', async () => {
    const exported = await weir.api('GET', `/workflows/${workflow.id}/export`);
    expect(exported.status, exported.text).toBe(200);
    expectNoSecret(exported.text, 'export');

    const imported = await weir.api(
      'POST',
      `/workflows/${workflow.id}/versions/import?version=0.0.2&activate=true`,
      exported.body,
    );
    expect(imported.status, imported.text).toBe(200);
    const before = target.requestsTo('/basic').length;
    const response = await workflow.sync({ json: { token: 'caller-token' } });
    expect(response.status, response.text).toBe(200);
    const basic = target.requestsTo('/basic')[before];
    expect(basic?.headers['x-api-key']).toBe('key-literal-2');
    expect(basic?.headers.authorization).toBe(`Basic ${Buffer.from('ada:pw-basic-1').toString('base64')}`);
  });

  it('refuses a masked secret with nothing to keep, naming it', async () => {
    const exported = await weir.api('GET', `/workflows/${workflow.id}/export`);
    const response = await weir.api('POST', '/workflows/import', exported.body);
    expect(response.status, response.text).toBe(400);
    expect(response.body.errors[0].field).toBe('tasks[0].parameters.authorization.password');
    expect(response.body.errors[0].title).toBe(
      'tasks[0].parameters.authorization.password is the mask ******** that answers show instead of a secret: give the secret itself.',
    );
  });
});
