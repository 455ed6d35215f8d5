import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import { setupWorkflow } from './helpers/setup-workflow.js';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { start, task, uniqueName, workflowDocument } from './helpers/workflows.js';

/**
 * The egress policy over real HTTP: a default-configured Weir (no `WEIR_CALLOUT_ALLOW`) refuses
 * every spelling of loopback, its own OAuth endpoint, link-local and private addresses, and its
 * SMTP host on 127.0.0.1; a Weir allowing only 127.0.0.2 and 127.0.0.3 (both loopback on Linux,
 * so the tests need no network) refuses a redirect to 127.0.0.1, stops at 5 redirects and drops
 * credentials when a redirect changes origin.
 */

let weir: TestWeir; // default policy
let allowing: TestWeir; // allows 127.0.0.2 and 127.0.0.3
let loopback: CalloutTarget; // 127.0.0.1: must never be reached
let second: CalloutTarget; // 127.0.0.2
let third: CalloutTarget; // 127.0.0.3
let sink: SmtpSink;

beforeAll(async () => {
  [loopback, second, third, sink] = await Promise.all([
    startCalloutTarget(),
    startCalloutTarget('127.0.0.2'),
    startCalloutTarget('127.0.0.3'),
    startSmtpSink(),
  ]);
  [weir, allowing] = await Promise.all([
    startTestWeir({ calloutAllow: [], smtpUrl: sink.url(), smtpFrom: 'weir@weir.test' }),
    startTestWeir({ calloutAllow: ['127.0.0.2/32', '127.0.0.3'] }),
  ]);
});
afterAll(async () => {
  await Promise.all([weir?.close(), allowing?.close(), loopback?.close(), second?.close(), third?.close()]);
  await sink?.close();
});

function calloutParameters(url: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    url,
    method: 'POST',
    body_type: 'raw',
    raw_body: '{"n": 1}',
    headers: [{ key: '', value: '' }],
    authorization: { type: 'none' },
    validation: { status_codes: ['200'] },
    retry_rules: { retry_count: '3', retry_window: '60' },
    include_response_code: 'true',
    strict_variables: 'true',
    ...overrides,
  };
}

/** Runs one Callout on `target` through `/sync`; the answer. */
async function callOnce(on: TestWeir, url: string, overrides: Record<string, unknown> = {}) {
  const workflow = await setupWorkflow(
    on,
    workflowDocument({
      name: uniqueName('egress'),
      tasks: [task.raw(1, 'Call', 'Callout', calloutParameters(url, overrides))],
      linkages: [start(1)],
    }),
  );
  return workflow.sync({ json: {} });
}

describe('a default-configured Weir', () => {
  it('refuses every spelling of loopback, link-local and private targets, without retrying', async () => {
    const port = new URL(loopback.baseUrl).port;
    const targets = [
      `http://127.0.0.1:${port}/x`,
      `http://127.1:${port}/x`,
      `http://0x7f.1:${port}/x`,
      `http://2130706433:${port}/x`,
      `http://0177.0.0.1:${port}/x`,
      `http://[::ffff:127.0.0.1]:${port}/x`,
      `http://[::1]:${port}/x`,
      `http://0.0.0.0:${port}/x`,
      `http://localhost:${port}/x`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/',
      'http://[fd00::1]/',
    ];
    for (const url of targets) {
      const response = await callOnce(weir, url);
      expect(response.status, `${url}: ${response.text}`).toBe(403);
      expect(response.body.error_class).toBe('WorkflowError::Callout');
      // One try although the task allows 3 retries: the same URL would be refused again.
      expect(response.body.message).toMatch(
        /^Callout to .+ failed after 1 tries: refused by the egress policy: .*(loopback, private, link-local or reserved address).*; allow it with WEIR_CALLOUT_ALLOW if it is meant\.$/,
      );
    }
    expect(loopback.requests).toHaveLength(0);
  });

  it("refuses an OAuth token request to Weir's own /oauth/token", async () => {
    const response = await callOnce(weir, 'https://api.example.test/never', {
      authorization: {
        type: 'oauth2',
        token_url: `${weir.url}/oauth/token`,
        client_id: 'test-admin',
        client_secret: 'test-admin-secret-123',
      },
    });
    expect(response.status, response.text).toBe(403);
    expect(response.body.message).toBe(
      `Callout to https://api.example.test/never failed after 1 tries: the OAuth token request to ${weir.url}/oauth/token was refused by the egress policy: 127.0.0.1 is a loopback, private, link-local or reserved address; allow it with WEIR_CALLOUT_ALLOW if it is meant.`,
    );
  });

  it('refuses to send mail through an SMTP host on loopback', async () => {
    const workflow = await setupWorkflow(
      weir,
      workflowDocument({
        name: uniqueName('egress mail'),
        tasks: [
          task.raw(1, 'Mail', 'Email', {
            email: { to: ['ada@weir.test'], subject: 'hi', template: 'hello', from: '' },
          }),
        ],
        linkages: [start(1)],
      }),
    );
    const response = await workflow.sync({ json: {} });
    expect(response.status, response.text).toBe(403);
    expect(response.body.message).toBe(
      'The e-mail was not sent: 127.0.0.1: 127.0.0.1 is a loopback, private, link-local or reserved address; allow it with WEIR_CALLOUT_ALLOW if it is meant',
    );
    expect(sink.messages).toHaveLength(0);
  });
});

describe('a Weir allowing 127.0.0.2 and 127.0.0.3', () => {
  it('refuses a redirect to loopback (127.0.0.1), checked on the new hop', async () => {
    second.on('/to-loopback', { status: 307, headers: { location: loopback.url('/stolen') } });
    const response = await callOnce(allowing, second.url('/to-loopback'));
    expect(response.status, response.text).toBe(403);
    expect(response.body.message).toBe(
      `Callout to ${second.url('/to-loopback')} failed after 1 tries: refused by the egress policy: 127.0.0.1 is a loopback, private, link-local or reserved address; allow it with WEIR_CALLOUT_ALLOW if it is meant.`,
    );
    expect(second.requestsTo('/to-loopback')).toHaveLength(1);
    expect(loopback.requests).toHaveLength(0);
  });

  it('follows at most 5 redirects', async () => {
    second.on('/loop', (_request, index) => ({ status: 302, headers: { location: `/loop?n=${index + 1}` } }));
    const response = await callOnce(allowing, second.url('/loop'));
    expect(response.status, response.text).toBe(403);
    expect(response.body.message).toBe(
      `Callout to ${second.url('/loop')} failed after 1 tries: refused by the egress policy: more than 5 redirects (the last to ${second.url('/loop')}).`,
    );
    expect(second.requestsTo('/loop')).toHaveLength(6);
  });

  it('keeps credentials on a same-origin redirect and drops them across origins', async () => {
    second.on('/same', { status: 307, headers: { location: '/same-landing' } });
    second.on('/same-landing', { status: 200, body: { ok: true } });
    second.on('/cross', { status: 307, headers: { location: third.url('/landing') } });
    third.on('/landing', { status: 200, body: { ok: true } });
    const secrets = {
      headers: [{ key: 'X-Api-Key', value: 'key-123' }],
      authorization: { type: 'basic_auth', username: 'ada', password: 'pw-456' },
    };

    const same = await callOnce(allowing, second.url('/same'), secrets);
    expect(same.status, same.text).toBe(200);
    const sameLanding = second.requestsTo('/same-landing')[0];
    expect(sameLanding?.headers['x-api-key']).toBe('key-123');
    expect(sameLanding?.headers.authorization).toBe(`Basic ${Buffer.from('ada:pw-456').toString('base64')}`);

    const cross = await callOnce(allowing, second.url('/cross'), secrets);
    expect(cross.status, cross.text).toBe(200);
    const landing = third.requestsTo('/landing')[0];
    expect(landing?.method).toBe('POST'); // 307 keeps the method and the body
    expect(landing?.body).toBe('{"n": 1}');
    expect(landing?.headers).not.toHaveProperty('x-api-key');
    expect(landing?.headers).not.toHaveProperty('authorization');
    expect(landing?.headers['idempotency-key']).toMatch(/^\d+:\d+:1$/);
    expect(landing?.headers['content-type']).toMatch(/^application\/json/);
  });
});
