import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope, expectOAuthError } from './helpers/assertions.js';
import { basicAuthorization, httpRequest, type HttpResponse } from './helpers/http.js';
import { must, setupWorkflow, type TriggerableWorkflow } from './helpers/setup-workflow.js';
import { ADMIN_CLIENT, ALL_SCOPES, fetchToken, startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { responseFormatterWorkflow } from './helpers/workflows.js';

/** shared/contract/api.md "OAuth 2.0 (client credentials)"; docs/decisions.md "OAuth". */

let weir: TestWeir;
let clockSkewMs = 0;
let workflow: TriggerableWorkflow;

beforeAll(async () => {
  // Weir's clock runs `clockSkewMs` ahead of the real one: the expiry test moves it.
  weir = await startTestWeir({}, { now: () => Date.now() + clockSkewMs });
  workflow = await setupWorkflow(weir, responseFormatterWorkflow({ template: '{"ok": true}' }));
});

afterAll(async () => {
  await weir?.close();
});

const FORM = 'application/x-www-form-urlencoded';

function postToken(
  body: string,
  contentType: string | null,
  headers: Record<string, string> = {},
): Promise<HttpResponse> {
  return httpRequest(`${weir.url}/oauth/token`, {
    method: 'POST',
    headers: contentType === null ? headers : { 'Content-Type': contentType, ...headers },
    body,
  });
}

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

const credentials = { client_id: ADMIN_CLIENT.clientId, client_secret: ADMIN_CLIENT.clientSecret };

/** A 200 token answer with `scopes`, and a token that the management API accepts. */
async function expectUsableToken(response: HttpResponse, scopes: readonly string[] = ALL_SCOPES): Promise<string> {
  expect(response.status, response.text).toBe(200);
  const body = response.body;
  expect(body.access_token).toBeTypeOf('string');
  expect(body.access_token.length).toBeGreaterThan(20);
  expect(body.token_type).toBe('bearer');
  expect(body.expires_in).toBe(3599);
  expect(body.scope.split(' ').sort()).toEqual([...scopes].sort());
  expect(body.jti).toBeTypeOf('string');
  expect(body.jti.length).toBeGreaterThan(0);
  // RFC 6749 §5.1: token responses must not be cached.
  expect(String(response.headers['cache-control'])).toContain('no-store');
  const probe = await weir.api('GET', `/workflows/${workflow.id}`, undefined, { token: body.access_token });
  expect(probe.status, probe.text).toBe(200);
  expect(probe.body.id).toBe(workflow.id);
  return body.access_token as string;
}

describe('POST /oauth/token', () => {
  it('issues a token with every scope for form-encoded client credentials', async () => {
    const response = await postToken(form({ grant_type: 'client_credentials', ...credentials }), FORM);
    await expectUsableToken(response);
    expect(response.body.scope).toBe('workflow:view workflow:manage workflow:run');
  });

  it('issues a token for a JSON body', async () => {
    const response = await postToken(
      JSON.stringify({ grant_type: 'client_credentials', ...credentials }),
      'application/json',
    );
    await expectUsableToken(response);
  });

  it('issues a token for client credentials sent as HTTP basic (RFC 6749 §2.3.1)', async () => {
    const response = await postToken(form({ grant_type: 'client_credentials' }), FORM, {
      Authorization: basicAuthorization(ADMIN_CLIENT.clientId, ADMIN_CLIENT.clientSecret),
    });
    await expectUsableToken(response);
  });

  it('gives every token its own jti', async () => {
    const first = await postToken(form({ grant_type: 'client_credentials', ...credentials }), FORM);
    const second = await postToken(form({ grant_type: 'client_credentials', ...credentials }), FORM);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(first.body.jti).not.toBe(second.body.jti);
    expect(first.body.access_token).not.toBe(second.body.access_token);
  });

  it('grants a requested subset of the scopes', async () => {
    const response = await postToken(
      form({ grant_type: 'client_credentials', scope: 'workflow:view workflow:run', ...credentials }),
      FORM,
    );
    await expectUsableToken(response, ['workflow:view', 'workflow:run']);
  });

  it.each([
    [
      'a wrong secret (form)',
      () =>
        postToken(
          form({
            grant_type: 'client_credentials',
            client_id: ADMIN_CLIENT.clientId,
            client_secret: 'wrong-secret-0123456',
          }),
          FORM,
        ),
    ],
    [
      'a wrong secret (JSON)',
      () =>
        postToken(
          JSON.stringify({
            grant_type: 'client_credentials',
            client_id: ADMIN_CLIENT.clientId,
            client_secret: 'wrong-secret-0123456',
          }),
          'application/json',
        ),
    ],
    [
      'a wrong secret (HTTP basic)',
      () =>
        postToken(form({ grant_type: 'client_credentials' }), FORM, {
          Authorization: basicAuthorization(ADMIN_CLIENT.clientId, 'wrong-secret-0123456'),
        }),
    ],
    [
      'an unknown client',
      () =>
        postToken(
          form({ grant_type: 'client_credentials', client_id: 'nobody', client_secret: ADMIN_CLIENT.clientSecret }),
          FORM,
        ),
    ],
    [
      'an unknown client (HTTP basic)',
      () =>
        postToken(form({ grant_type: 'client_credentials' }), FORM, {
          Authorization: basicAuthorization('nobody', ADMIN_CLIENT.clientSecret),
        }),
    ],
  ])('answers 401 invalid_client for %s', async (_name, send) => {
    expectOAuthError(await send(), 401, 'invalid_client');
  });

  it.each(['password', 'authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:jwt-bearer'])(
    'answers 400 unsupported_grant_type for grant_type=%s',
    async (grantType) => {
      expectOAuthError(
        await postToken(form({ grant_type: grantType, ...credentials }), FORM),
        400,
        'unsupported_grant_type',
      );
    },
  );

  it('answers 400 invalid_request when grant_type is missing', async () => {
    expectOAuthError(await postToken(form({ ...credentials }), FORM), 400, 'invalid_request');
    expectOAuthError(await postToken(JSON.stringify({ ...credentials }), 'application/json'), 400, 'invalid_request');
  });

  it.each(['workflow:admin', 'workflow:view workflow:admin', 'admin'])(
    'answers 400 invalid_scope for scope=%s',
    async (scope) => {
      expectOAuthError(
        await postToken(form({ grant_type: 'client_credentials', scope, ...credentials }), FORM),
        400,
        'invalid_scope',
      );
    },
  );

  it('answers malformed JSON with 400, not 500', async () => {
    const response = await postToken('{"grant_type": "client_credentials", ', 'application/json');
    expect(response.status, response.text).toBe(400);
    expect(response.body, response.text).toBeTypeOf('object');
  });
});

// ---------------------------------------------------------------------------------------------

function decodeJwt(token: string): {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: string;
} {
  const [header, payload, signature] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined) throw new Error(`not a JWT: ${token}`);
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>,
    signature,
  };
}

function encodePart(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function signHs256(header: unknown, payload: unknown, key: string): string {
  const signingInput = `${encodePart(header)}.${encodePart(payload)}`;
  return `${signingInput}.${createHmac('sha256', key).update(signingInput).digest('base64url')}`;
}

/**
 * RFC 6750 §3: a `Bearer` challenge with `error="invalid_token"` (api.md, decisions.md); `realm` (which must then
 * be "weir"), `error_description` and `scope` may come along.
 */
function expectInvalidTokenChallenge(header: unknown): void {
  const value = String(header);
  expect(value).toMatch(/^Bearer /);
  const params = Object.fromEntries(
    [...value.slice('Bearer '.length).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
  );
  expect(params.error, value).toBe('invalid_token');
  for (const key of Object.keys(params)) expect(['realm', 'error', 'error_description', 'scope'], value).toContain(key);
  if (params.realm !== undefined) expect(params.realm, value).toBe('weir');
}

describe('bearer tokens on the management API', () => {
  it('answers 401 with WWW-Authenticate: Bearer realm="weir" without an Authorization header', async () => {
    for (const [method, path] of [
      ['GET', '/workflows'],
      ['GET', `/workflows/${workflow.id}`],
      ['PATCH', `/workflows/${workflow.id}`],
      ['GET', `/workflows/${workflow.id}/settings`],
    ] as const) {
      const response = await weir.api(method, path, method === 'PATCH' ? { name: 'no token' } : undefined, {
        token: null,
      });
      expectErrorEnvelope(response, 401);
      expect(response.headers['www-authenticate'], `${method} ${path}`).toBe('Bearer realm="weir"');
    }
  });

  const invalidTokens: [string, () => Promise<string>][] = [
    ['a malformed token', async () => 'not-a-jwt'],
    ['three garbage segments', async () => 'aaaa.bbbb.cccc'],
    [
      'a token signed with another key',
      async () => {
        const { header, payload } = decodeJwt(weir.token);
        return signHs256(header, payload, 'some-other-key-that-is-not-weirs');
      },
    ],
    [
      'a tampered payload (signature kept)',
      async () => {
        const { header, payload, signature } = decodeJwt(weir.token);
        return `${encodePart(header)}.${encodePart({ ...payload, tampered: true })}.${signature}`;
      },
    ],
    [
      'an unsigned token (alg none)',
      async () => {
        const { payload } = decodeJwt(weir.token);
        return `${encodePart({ alg: 'none', typ: 'JWT' })}.${encodePart(payload)}.`;
      },
    ],
  ];

  it.each(invalidTokens)('answers 401 with Bearer error="invalid_token" for %s', async (_name, makeToken) => {
    const response = await weir.api('GET', '/workflows', undefined, { token: await makeToken() });
    expectErrorEnvelope(response, 401);
    expectInvalidTokenChallenge(response.headers['www-authenticate']);
  });

  it('answers 401 with Bearer error="invalid_token" for an expired token', async () => {
    const token = await fetchToken(weir.url);
    expect((await weir.api('GET', '/workflows', undefined, { token })).status).toBe(200);
    // The token lives 3600 s: two hours on, Weir's clock says it has expired.
    clockSkewMs = 2 * 3600_000;
    try {
      const response = await weir.api('GET', '/workflows', undefined, { token });
      expectErrorEnvelope(response, 401);
      expectInvalidTokenChallenge(response.headers['www-authenticate']);
    } finally {
      clockSkewMs = 0;
    }
    // The 401 was the clock's doing: the same token works again now.
    expect((await weir.api('GET', '/workflows', undefined, { token })).status).toBe(200);
  });

  it('answers 401 with a Bearer challenge for an Authorization scheme other than Bearer', async () => {
    const response = await weir.api('GET', '/workflows', undefined, {
      token: null,
      headers: { Authorization: `Token ${weir.token}` },
    });
    expectErrorEnvelope(response, 401);
    expect(String(response.headers['www-authenticate'])).toMatch(/^Bearer /);
  });

  describe('scopes', () => {
    let viewToken: string;
    let runToken: string;

    beforeAll(async () => {
      viewToken = await fetchToken(weir.url, { scope: 'workflow:view' });
      runToken = await fetchToken(weir.url, { scope: 'workflow:run' });
    });

    function expectInsufficientScope(response: HttpResponse): void {
      expectErrorEnvelope(response, 403);
      expect(response.body.errors[0].code).toBe('insufficient_scope');
    }

    it('a workflow:view token reads', async () => {
      const one = await weir.api('GET', `/workflows/${workflow.id}`, undefined, { token: viewToken });
      expect(one.status, one.text).toBe(200);
      expect(one.body.id).toBe(workflow.id);
      const list = await weir.api('GET', '/workflows', undefined, { token: viewToken });
      expect(list.status, list.text).toBe(200);
      expect(list.body.data.map((w: { id: number }) => w.id)).toContain(workflow.id);
    });

    it('a workflow:view token cannot PATCH (403 insufficient_scope) and changes nothing', async () => {
      const before = must(await weir.api('GET', `/workflows/${workflow.id}`), 200, 'GET workflow');
      expectInsufficientScope(
        await weir.api('PATCH', `/workflows/${workflow.id}`, { name: 'renamed by a reader' }, { token: viewToken }),
      );
      const after = must(await weir.api('GET', `/workflows/${workflow.id}`), 200, 'GET workflow');
      expect(after.name).toBe(before.name);
    });

    it('a workflow:view token cannot import, read trigger settings, rotate them, or run', async () => {
      expectInsufficientScope(
        await weir.api('POST', '/workflows/import?activate=true', responseFormatterWorkflow({ template: '{}' }), {
          token: viewToken,
        }),
      );
      expectInsufficientScope(
        await weir.api('GET', `/workflows/${workflow.id}/settings`, undefined, { token: viewToken }),
      );
      expectInsufficientScope(
        await weir.api('POST', `/workflows/${workflow.id}/settings/rotate`, undefined, { token: viewToken }),
      );
      expectInsufficientScope(await weir.api('POST', `/workflows/${workflow.id}/run`, {}, { token: viewToken }));
    });

    it('a workflow:run token runs a workflow but cannot PATCH it', async () => {
      const run = await weir.api('POST', `/workflows/${workflow.id}/run`, {}, { token: runToken });
      expect(run.status, run.text).toBe(200);
      expect(run.body.originalWorkflowId).toBe(workflow.id);
      expectInsufficientScope(
        await weir.api('PATCH', `/workflows/${workflow.id}`, { name: 'renamed by a runner' }, { token: runToken }),
      );
    });
  });
});
