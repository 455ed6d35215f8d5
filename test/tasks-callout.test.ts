import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCalloutTarget, type CalloutTarget, type RecordedRequest } from './helpers/callout-target.js';
import { expectRunSucceeds } from './helpers/runs.js';
import { setupWorkflow } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { onlyRunOf, taskInstanceNamed } from './helpers/task-instances.js';
import { link, start, task, uniqueName, workflowDocument } from './helpers/workflows.js';

/**
 * `Callout`, completed: form bodies, OAuth 2 client credentials with a local token endpoint, HMAC
 * signatures, payload_location with replace/append, and the idempotency key of each attempt.
 */

let weir: TestWeir;
let target: CalloutTarget;

beforeAll(async () => {
  [weir, target] = await Promise.all([startTestWeir(), startCalloutTarget()]);
});
afterAll(async () => {
  await Promise.all([weir?.close(), target?.close()]);
});

/** A Callout's parameters as the reference exports them, with `overrides` on top. */
function callout(url: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    url,
    method: 'POST',
    body_type: 'raw',
    raw_body: '{"account": "{{ Data.Workflow.account }}"}',
    headers: [{ key: '', value: '' }],
    authorization: { type: 'none' },
    validation: { status_codes: ['200'] },
    retry_rules: { retry_count: '0', retry_window: '0' },
    include_response_code: 'true',
    strict_variables: 'true',
    ...overrides,
  };
}

/** Start → the callouts in a chain, with an `account` Text input. */
function calloutsWorkflow(...parameters: Record<string, unknown>[]): ReturnType<typeof workflowDocument> {
  return workflowDocument({
    name: uniqueName('callout'),
    fields: [
      { callout_id: 'account', object_name: 'Workflow', field_name: 'account', datatype: 'Text', required: false },
    ],
    tasks: parameters.map((p, i) => task.raw(i + 1, `Call ${i + 1}`, 'Callout', p)),
    linkages: [start(1), ...parameters.slice(1).map((_, i) => link(i + 1, i + 2))],
  });
}

const formOf = (request: RecordedRequest | undefined): Record<string, string> =>
  Object.fromEntries(new URLSearchParams(request?.body ?? ''));

describe('Callout: form bodies', () => {
  const datas = [
    { key: '', value: '' },
    { key: 'account', value: '{{ Data.Workflow.account }}' },
    { key: 'note', value: 'paid & closed' },
  ];

  it('sends x-www-form-urlencoded from datas and records the fields', async () => {
    const path = '/callout/urlencoded';
    const workflow = await setupWorkflow(
      weir,
      calloutsWorkflow(callout(target.url(path), { body_type: 'x-www-form-urlencoded', datas })),
    );
    const response = await workflow.sync({ json: { account: 'A-1' } });
    expect(response.status, response.text).toBe(200);
    const [request] = target.requestsTo(path);
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    expect(request?.body).toBe('account=A-1&note=paid+%26+closed');
    expect(response.body.Callout.RequestBody).toEqual({ account: 'A-1', note: 'paid & closed' });
  });

  it('sends multipart form-data from datas', async () => {
    const path = '/callout/multipart';
    const workflow = await setupWorkflow(
      weir,
      calloutsWorkflow(callout(target.url(path), { body_type: 'form-data', datas })),
    );
    const response = await workflow.sync({ json: { account: 'A-2' } });
    expect(response.status, response.text).toBe(200);
    const [request] = target.requestsTo(path);
    const contentType = String(request?.headers['content-type']);
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
    const form = await new Response(request?.body, { headers: { 'Content-Type': contentType } }).formData();
    expect([...form.entries()]).toEqual([
      ['account', 'A-2'],
      ['note', 'paid & closed'],
    ]);
    expect(response.body.Callout.RequestBody).toEqual({ account: 'A-2', note: 'paid & closed' });
  });
});

describe('Callout: OAuth 2 client credentials', () => {
  it('fetches a token from the token endpoint once, reuses it, and refetches once after a 401', async () => {
    const tokenPath = '/oauth/token';
    const apiPath = '/callout/secure';
    let issued = 0;
    let accepted = new Set<string>();
    target.on(tokenPath, () => {
      issued += 1;
      accepted.add(`token-${issued}`);
      return { body: { access_token: `token-${issued}`, token_type: 'Bearer', expires_in: 3600 } };
    });
    target.on(apiPath, (request) =>
      accepted.has(String(request.headers.authorization).replace('Bearer ', ''))
        ? { body: { secret: 'data' } }
        : { status: 401, body: { error: 'invalid_token' } },
    );
    const authorization = {
      type: 'oauth_2.0',
      token_url: target.url(tokenPath),
      client_id: 'weir-tests',
      client_secret: 'client-secret-1',
      scope: 'accounts:read',
    };
    const workflow = await setupWorkflow(weir, calloutsWorkflow(callout(target.url(apiPath), { authorization })));

    for (let i = 0; i < 2; i += 1) {
      const response = await workflow.sync({ json: { account: 'A-1' } });
      expect(response.status, response.text).toBe(200);
      expect(response.body.Callout.ResponseBody).toEqual({ secret: 'data' });
      expect(response.body.Callout.RequestHeaders.authorization).toBe('[redacted]');
    }
    expect(target.requestsTo(tokenPath)).toHaveLength(1);
    expect(formOf(target.requestsTo(tokenPath)[0])).toEqual({
      grant_type: 'client_credentials',
      scope: 'accounts:read',
      client_id: 'weir-tests',
      client_secret: 'client-secret-1',
    });
    expect(target.requestsTo(apiPath).map((r) => r.headers.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-1',
    ]);

    // The API revokes the token: the callout gets a 401, fetches a new token and succeeds with it.
    accepted = new Set();
    const response = await workflow.sync({ json: { account: 'A-1' } });
    expect(response.status, response.text).toBe(200);
    expect(target.requestsTo(tokenPath)).toHaveLength(2);
    expect(target.requestsTo(apiPath).map((r) => r.headers.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-1',
      'Bearer token-1',
      'Bearer token-2',
    ]);
    const runs = await weir.api('GET', `/workflows/workflow_runs?workflow_id=${workflow.id}`);
    const latest = await taskInstanceNamed(weir, runs.body.data[0].id as number, 'Call 1');
    expect(latest.log).toContain('answered 401');
    expect(latest.log).toContain('fetching a new OAuth token after the 401, and sending again');
    // The secret is in the task's parameters as written; it must not reach Data or the log, nor the token.
    const recorded = JSON.stringify([latest.log, latest.data_out, latest.error]);
    expect(recorded).not.toContain('client-secret-1');
    expect(recorded).not.toContain('token-2');
  });

  it('fails the callout when the token endpoint refuses the client', async () => {
    const tokenPath = '/oauth/refusing';
    target.on(tokenPath, { status: 401, body: { error: 'invalid_client' } });
    const workflow = await setupWorkflow(
      weir,
      calloutsWorkflow(
        callout(target.url('/callout/never'), {
          authorization: { type: 'oauth2', token_url: target.url(tokenPath), client_id: 'x', client_secret: 'y' },
        }),
      ),
    );
    const response = await workflow.sync({ json: { account: 'A-1' } });
    expect(response.status, response.text).toBe(403);
    expect(response.body.error_class).toBe('WorkflowError::Callout');
    expect(response.body.message).toBe(
      `Callout to ${target.url('/callout/never')} failed after 1 tries: the OAuth token endpoint ${target.url(tokenPath)} answered 401 (invalid_client).`,
    );
    expect(target.requestsTo('/callout/never')).toEqual([]);
  });
});

describe('Callout: HMAC', () => {
  it('signs the rendered body with the secret into the configured header', async () => {
    const path = '/callout/hmac';
    const workflow = await setupWorkflow(
      weir,
      calloutsWorkflow(
        callout(target.url(path), {
          authorization: {
            type: 'hmac',
            algorithm: 'SHA-512',
            secret: 'shared-key',
            header_name: 'X-Weir-Signature',
            encoding: 'base64',
          },
        }),
      ),
    );
    const response = await workflow.sync({ json: { account: 'A-7' } });
    expect(response.status, response.text).toBe(200);
    const [request] = target.requestsTo(path);
    expect(request?.body).toBe('{"account": "A-7"}');
    expect(request?.headers['x-weir-signature']).toBe(
      createHmac('sha512', 'shared-key').update('{"account": "A-7"}').digest('base64'),
    );
  });
});

describe('Callout: payload_location, replace and append', () => {
  it('appends repeated callouts into a list at payload_location, and replaces when asked', async () => {
    const path = '/callout/payload';
    target.on(path, (_request, index) => ({ body: { n: index } }));
    const into = (replace: string) => ({ validation: { status_codes: ['200'], payload_location: 'Lookups', replace } });
    const workflow = await setupWorkflow(
      weir,
      calloutsWorkflow(
        callout(target.url(path), into('false')),
        callout(target.url(path), into('false')),
        callout(target.url(path), { ...into('true'), include_response_code: 'false' }),
      ),
    );
    const response = await workflow.run({ json: { account: 'A-1' } });
    expect(response.status, response.text).toBe(200);
    const runId = response.body.id as number;
    await expectRunSucceeds(weir, runId);
    const second = await taskInstanceNamed(weir, runId, 'Call 2');
    expect(second.data_out.Lookups.map((r: { ResponseBody: unknown }) => r.ResponseBody)).toEqual([{ n: 0 }, { n: 1 }]);
    expect(second.data_out).not.toHaveProperty('Callout');
    const third = await taskInstanceNamed(weir, runId, 'Call 3');
    expect(third.data_out.Lookups).toEqual({ n: 2 });
  });
});

describe('Callout: idempotency key', () => {
  it('sends <runId>:<taskInstanceId>:<attempt> on every attempt, a new one per retry', async () => {
    const path = '/callout/flaky';
    target.on(path, (_request, index) =>
      index === 0 ? { status: 503, body: { busy: true } } : { body: { ok: true } },
    );
    const workflow = await setupWorkflow(
      weir,
      calloutsWorkflow(callout(target.url(path), { retry_rules: { retry_count: '1', retry_window: '0.01' } })),
    );
    const response = await workflow.run({ json: { account: 'A-1' } });
    expect(response.status, response.text).toBe(200);
    const runId = response.body.id as number;
    await expectRunSucceeds(weir, runId);
    const instance = await taskInstanceNamed(weir, await onlyRunOf(weir, workflow.id), 'Call 1');
    expect(target.requestsTo(path).map((r) => r.headers['idempotency-key'])).toEqual([
      `${runId}:${instance.id}:1`,
      `${runId}:${instance.id}:2`,
    ]);
  });
});
