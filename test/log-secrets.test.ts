import crypto from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import { runCli } from './helpers/cli.js';
import { basicAuthorization } from './helpers/http.js';
import { waitForRun } from './helpers/runs.js';
import { must, setupWorkflow, trigger, type ApiClient } from './helpers/setup-workflow.js';
import { ADMIN_CLIENT, fetchToken, TEST_SECRET_KEY } from './helpers/start-weir.js';
import { startWeirProcess, type WeirProcess } from './helpers/weir-process.js';
import { link, start, task, uniqueName, workflowDocument } from './helpers/workflows.js';

/**
 * issue 12 "Secrets never appear" in the logs: a `weir serve` at `trace` runs a representative suite
 * (callouts with basic, bearer, OAuth 2 and HMAC credentials and a secret global constant, successful,
 * failing and retried; both trigger credentials, right and wrong, before and after a rotation; OAuth
 * clients and their tokens), then everything it wrote to stdout and stderr is searched for every
 * secret the test made, in clear and in the encodings they travel in.
 */

/** A fresh secret: long and random, so a match cannot be a coincidence. */
const secret = (label: string): string => `${label}-${crypto.randomBytes(12).toString('hex')}`;

const S = {
  basicPassword: secret('basic-pw'),
  bearer: secret('bearer'),
  hmac: secret('hmac'),
  oauthClientSecret: secret('oauth-cs'),
  oauthAccessToken: secret('oauth-at'),
  headerLiteral: secret('header-key'),
  constant: secret('constant'),
  failingBearer: secret('failing-bearer'),
};

describe('secrets in the log of a Weir at trace', () => {
  let dataDir: string;
  let target: CalloutTarget;
  let weir: WeirProcess;
  let admin: ApiClient;
  /** Secrets Weir made during the test (tokens, trigger credentials, a client secret). */
  const made: Record<string, string> = {};

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'weir-log-secrets-'));
    target = await startCalloutTarget();
    weir = await startWeirProcess({ dataDir, logLevel: 'trace', outputLimit: 50_000_000 });
    admin = await weir.client();
  });

  afterAll(async () => {
    await weir?.kill();
    await target?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  function callout(urlPath: string, overrides: Record<string, unknown>): Record<string, unknown> {
    return {
      url: target.url(urlPath),
      method: 'POST',
      body_type: 'raw',
      raw_body: '{"n": 1}',
      headers: [{ key: 'Content-Type', value: 'application/json' }],
      authorization: { type: 'none' },
      validation: { status_codes: ['200'] },
      retry_rules: { retry_count: '0', retry_window: '0' },
      include_response_code: 'true',
      strict_variables: 'true',
      ...overrides,
    };
  }

  it('runs the suite, then finds none of its secrets in anything Weir wrote', async () => {
    // An OAuth client made on the data dir by the CLI while the server runs, and tokens for both clients.
    const created = await runCli(['clients', 'create', '--name', 'ci', '--json', '--data-dir', dataDir], {
      env: { WEIR_SECRET_KEY: TEST_SECRET_KEY },
    });
    expect(created.code, created.stderr).toBe(0);
    const ci = JSON.parse(created.stdout) as { client_id: string; client_secret: string };
    made.ciClientSecret = ci.client_secret;
    made.ciToken = await fetchToken(weir.url, { clientId: ci.client_id, clientSecret: ci.client_secret });
    made.adminToken = await fetchToken(weir.url);
    const refused = await fetch(`${weir.url}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: ci.client_id, client_secret: S.bearer }),
    });
    expect(refused.status).toBe(401);

    must(
      await admin.api('PUT', '/workflows/global_constants/API_KEY', { value: S.constant, secret: true }),
      200,
      'secret constant',
    );
    target.on('/token', { body: { access_token: S.oauthAccessToken, token_type: 'Bearer', expires_in: 3600 } });
    target.on('/refuses', { status: 401, body: { error: 'no' } });
    const flaky = { count: 0 };
    target.on('/flaky', () => (flaky.count++ === 0 ? { status: 503 } : { status: 200 }));

    const document = workflowDocument({
      name: uniqueName('every credential'),
      tasks: [
        task.raw(
          1,
          'Basic',
          'Callout',
          callout('/basic', {
            authorization: { type: 'basic_auth', username: 'ada', password: S.basicPassword },
            headers: [
              { key: 'X-Api-Key', value: '{{ GlobalConstants.API_KEY }}' },
              { key: 'X-Auth-Token', value: S.headerLiteral },
            ],
          }),
        ),
        task.raw(2, 'Hmac', 'Callout', callout('/hmac', { authorization: { type: 'hmac', secret: S.hmac } })),
        task.raw(3, 'Bearer', 'Callout', callout('/bearer', { authorization: { type: 'bearer', token: S.bearer } })),
        task.raw(
          4,
          'OAuth',
          'Callout',
          callout('/oauth', {
            authorization: {
              type: 'oauth2',
              token_url: target.url('/token'),
              client_id: 'weir',
              client_secret: S.oauthClientSecret,
            },
          }),
        ),
        task.raw(
          5,
          'Flaky',
          'Callout',
          callout('/flaky', {
            authorization: { type: 'bearer', token: S.bearer },
            retry_rules: { retry_count: '1', retry_window: '0.01' },
          }),
        ),
        task.raw(
          6,
          'Refused',
          'Callout',
          callout('/refuses', { authorization: { type: 'bearer', token: S.failingBearer } }),
        ),
      ],
      linkages: [start(1), link(1, 2), link(2, 3), link(3, 4), link(4, 5), link(5, 6)],
    });
    const workflow = await setupWorkflow(admin, document);
    made.apiToken = workflow.settings.api_token;
    made.basicPassword = workflow.settings.basic_auth.password;

    // Both trigger credentials, right and wrong, in both modes.
    const synced = await workflow.sync();
    expect(synced.status, synced.text).toBe(403);
    const viaBasic = must(await workflow.run({ auth: workflow.basicAuth }), 200, '/run with basic');
    expect((await trigger(weir.url, workflow.id, 'run', { auth: { apiToken: S.bearer } })).status).toBe(401);
    const wrongBasic = { basic: { username: workflow.settings.basic_auth.username, password: S.hmac } };
    expect((await trigger(weir.url, workflow.id, 'sync', { auth: wrongBasic })).status).toBe(401);
    const rotated = must(await admin.api('POST', `/workflows/${workflow.id}/settings/rotate`), 200, 'rotate');
    made.rotatedApiToken = rotated.api_token;
    made.rotatedBasicPassword = rotated.basic_auth.password;
    expect((await workflow.run()).status).toBe(401);
    const viaRotated = must(await workflow.run({ auth: { apiToken: rotated.api_token } }), 200, '/run rotated');
    for (const id of [viaBasic.id, viaRotated.id]) {
      expect((await waitForRun(admin, id, { timeoutMs: 30_000 })).result).toBe('Error');
    }

    // The secrets were used: each reached the target.
    const last = (urlPath: string) => target.requestsTo(urlPath).at(-1)?.headers;
    expect(last('/basic')?.authorization).toBe(basicAuthorization('ada', S.basicPassword));
    expect(last('/basic')?.['x-api-key']).toBe(S.constant);
    expect(last('/basic')?.['x-auth-token']).toBe(S.headerLiteral);
    expect(last('/bearer')?.authorization).toBe(`Bearer ${S.bearer}`);
    expect(target.requestsTo('/token').at(-1)?.body).toContain(S.oauthClientSecret);
    expect(last('/oauth')?.authorization).toBe(`Bearer ${S.oauthAccessToken}`);
    expect(last('/refuses')?.authorization).toBe(`Bearer ${S.failingBearer}`);

    await weir.stop();
    const output = weir.output();
    // The log is not empty: runs, their errors and retries, access lines, start and ready are there.
    for (const msg of [
      'starting Weir',
      'Weir is ready',
      'run started',
      'run finished',
      'task instance failed',
      'task instance will retry',
      'request answered',
    ]) {
      expect(output, msg).toContain(`"msg":"${msg}"`);
    }

    const everySecret: Record<string, string> = {
      ...S,
      ...made,
      adminClientSecret: ADMIN_CLIENT.clientSecret,
      secretKey: TEST_SECRET_KEY,
    };
    for (const [name, value] of Object.entries(everySecret)) {
      expect(output.includes(value), `${name} appears in the log`).toBe(false);
      // The encodings credentials travel in: base64 (basic auth) and URL encoding (forms, queries).
      expect(output.includes(Buffer.from(value).toString('base64')), `${name} (base64) appears`).toBe(false);
      expect(output.includes(encodeURIComponent(value)), `${name} (URL-encoded) appears`).toBe(false);
    }
    for (const [user, password] of [
      ['ada', S.basicPassword],
      [workflow.settings.basic_auth.username, made.basicPassword],
      [rotated.basic_auth.username, made.rotatedBasicPassword],
    ]) {
      expect(output).not.toContain(basicAuthorization(String(user), String(password)).replace(/^Basic /, ''));
    }
  });
});
