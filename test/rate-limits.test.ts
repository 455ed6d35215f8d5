import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from './helpers/assertions.js';
import { httpRequest, type HttpResponse } from './helpers/http.js';
import { pollUntil } from './helpers/runs.js';
import { must, setupWorkflow, trigger, type ApiClient, type TriggerableWorkflow } from './helpers/setup-workflow.js';
import { ADMIN_CLIENT, startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { startWeirProcess, type WeirProcess } from './helpers/weir-process.js';
import { responseFormatterWorkflow } from './helpers/workflows.js';

/**
 * Issue 10 point 6 and issue 11 point 7: `/oauth/token` is rate limited by default, per IP and per
 * client id (before: 5,000 wrong secrets at 2,400/s got no 429); the trigger endpoints when the operator
 * asks for it; a request over a limit gets 429, `Retry-After` and the error envelope, and limited
 * answers carry `RateLimit-*`. Every authentication failure is logged with who and where, never the
 * secret. The logs are read from a `weir serve` child process.
 */

const PER_CLIENT = 5;
const PER_IP = 8;
const TRIGGER_PER_WORKFLOW = 3;
const WRONG_SECRET = 'wrong-secret-never-logged-7f3a';

let dataDir: string;
let weir: WeirProcess;
let workflow: TriggerableWorkflow;
let client: ApiClient;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'weir-rate-'));
  weir = await startWeirProcess({
    dataDir,
    env: {
      WEIR_TOKEN_RATE_LIMIT_PER_CLIENT: String(PER_CLIENT),
      WEIR_TOKEN_RATE_LIMIT_PER_IP: String(PER_IP),
      WEIR_TRIGGER_RATE_LIMIT_PER_WORKFLOW: String(TRIGGER_PER_WORKFLOW),
    },
  });
  // The helper's own token request counted one for the admin client and the IP.
  client = await weir.client();
  workflow = await setupWorkflow(client, responseFormatterWorkflow({ template: '{"ok": true}' }));
}, 120_000);

afterAll(async () => {
  await weir?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

function tokenRequest(clientId: string, clientSecret: string): Promise<HttpResponse> {
  return httpRequest(`${weir.url}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret,
    }).toString(),
  });
}

/** The JSON log lines the child wrote (pino), parsed. */
function logLines(): Array<Record<string, unknown>> {
  return weir
    .output()
    .split('\n')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

describe('POST /oauth/token', () => {
  it('counts per client id: past the limit a 429 with Retry-After, RateLimit-* and the envelope', async () => {
    const answers: HttpResponse[] = [];
    // One token was taken at start: PER_CLIENT - 1 more fit in the minute.
    for (let i = 1; i < PER_CLIENT; i += 1) answers.push(await tokenRequest(ADMIN_CLIENT.clientId, WRONG_SECRET));
    for (const [i, answer] of answers.entries()) {
      expect(answer.status).toBe(401);
      expect(answer.headers['ratelimit-limit']).toBe(String(PER_CLIENT));
      expect(answer.headers['ratelimit-remaining']).toBe(String(PER_CLIENT - 2 - i));
    }
    const limited = await tokenRequest(ADMIN_CLIENT.clientId, ADMIN_CLIENT.clientSecret);
    expectErrorEnvelope(limited, 429, { title: /client/ });
    expect(limited.body.errors[0].code).toBe('rate_limited');
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers['ratelimit-remaining']).toBe('0');
    expect(limited.headers['weir-request-id']).toBeTypeOf('string');
  });

  it('counts per IP across client ids', async () => {
    // This IP made the helper's request, PER_CLIENT - 1 refused ones and the 429: the rest of its
    // minute goes to another client id, then a third one is refused for the IP.
    const used = 1 + (PER_CLIENT - 1) + 1;
    const statuses: number[] = [];
    for (let i = used; i < PER_IP; i += 1) statuses.push((await tokenRequest('someone-else', 'x')).status);
    expect(statuses).toEqual(new Array(PER_IP - used).fill(401));
    const limited = await tokenRequest('a-third-client', 'x');
    expectErrorEnvelope(limited, 429, { title: /\bip\b/ });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('logged every refused secret with the client id and the IP, and never the secret', async () => {
    const refusals = await pollUntil(
      async () => {
        const lines = logLines().filter((l) => l.event === 'auth_failure' && l.scheme === 'client-secret');
        return lines.length >= PER_CLIENT - 1 ? lines : undefined;
      },
      { timeoutMs: 10_000, description: 'auth failure lines', describeLast: () => weir.output().slice(-2000) },
    );
    expect(refusals[0]).toMatchObject({
      level: 40,
      msg: 'authentication failed',
      clientId: ADMIN_CLIENT.clientId,
      ip: '127.0.0.1',
      path: '/oauth/token',
      reason: 'wrong client id or secret',
    });
    expect(weir.output()).not.toContain(WRONG_SECRET);
  });
});

describe('auth failure lines of the other schemes', () => {
  it('a bad bearer token and a bad trigger credential are logged, without the credential', async () => {
    const badToken = 'not.a.token';
    expect(
      (await httpRequest(`${weir.url}/workflows`, { headers: { Authorization: `Bearer ${badToken}` } })).status,
    ).toBe(401);
    const badApiToken = 'api-token-guess-91c2';
    expect((await trigger(weir.url, workflow.id, 'run', { auth: { apiToken: badApiToken } })).status).toBe(401);
    const lines = await pollUntil(
      async () => {
        const found = logLines().filter((l) => l.event === 'auth_failure');
        const hasBearer = found.some((l) => l.scheme === 'bearer' && l.path === '/workflows');
        const hasTrigger = found.some((l) => l.scheme === 'api-token');
        return hasBearer && hasTrigger ? found : undefined;
      },
      { timeoutMs: 10_000, description: 'bearer and trigger failure lines' },
    );
    expect(lines.find((l) => l.scheme === 'api-token')).toMatchObject({
      workflowId: String(workflow.id),
      reason: 'wrong credentials',
      ip: '127.0.0.1',
    });
    expect(weir.output()).not.toContain(badApiToken);
    expect(weir.output()).not.toContain(badToken);
  });
});

describe('trigger endpoints', () => {
  it('WEIR_TRIGGER_RATE_LIMIT_PER_WORKFLOW: past it a 429 in the envelope, and no run is started', async () => {
    // The refused API token above counted one: requests are counted before authentication.
    for (let i = 0; i < TRIGGER_PER_WORKFLOW - 1; i += 1) must(await workflow.run(), 200, 'a run within the limit');
    const limited = await workflow.run();
    expectErrorEnvelope(limited, 429, { title: /workflow/ });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['ratelimit-limit']).toBe(String(TRIGGER_PER_WORKFLOW));
    const runs = must(await client.api('GET', `/workflows/workflow_runs?workflow_id=${workflow.id}`), 200, 'runs');
    expect(runs.data.length).toBe(TRIGGER_PER_WORKFLOW - 1);
  });
});

describe('defaults (a Weir with no rate-limit settings)', () => {
  let plain: TestWeir;
  let plainWorkflow: TriggerableWorkflow;

  beforeAll(async () => {
    plain = await startTestWeir();
    plainWorkflow = await setupWorkflow(plain, responseFormatterWorkflow({ template: '{"ok": true}' }));
  });

  afterAll(async () => {
    await plain?.close();
  });

  it('/oauth/token is limited (60 per client, 300 per IP); the trigger endpoints are not', async () => {
    const token = await httpRequest(`${plain.url}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: ADMIN_CLIENT.clientId,
        client_secret: ADMIN_CLIENT.clientSecret,
      }).toString(),
    });
    expect(token.status).toBe(200);
    expect(token.headers['ratelimit-limit']).toBe('60');
    const answers = await Promise.all(Array.from({ length: 40 }, () => plainWorkflow.run()));
    expect(answers.map((a) => a.status)).toEqual(new Array(40).fill(200));
    expect(answers[0]?.headers['ratelimit-limit']).toBeUndefined();
  });
});
