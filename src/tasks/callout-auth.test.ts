import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Callout } from './callout.js';
import { clearTokenCache } from './oauth-token-cache.js';
import { makeContext } from './test-context.js';

/** A local API and token endpoint. `/token` hands out t1, t2, ...; `/api` accepts the tokens in `validTokens`. */
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let server: Server;
let base = '';
const received: Received[] = [];
let issued = 0;
const issueToken = (): { status: number; body: unknown } => {
  issued += 1;
  return { status: 200, body: { access_token: `t${issued}`, token_type: 'Bearer', expires_in: 100 } };
};
let tokenReply = issueToken;
let validTokens = new Set<string>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks) });
      let status = 200;
      let body: unknown = { ok: true };
      if (path === '/token') ({ status, body } = tokenReply());
      else if (path === '/api' && !validTokens.has((req.headers.authorization ?? '').replace(/^Bearer /, ''))) {
        status = 401;
        body = { error: 'expired' };
      }
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received.length = 0;
  issued = 0;
  tokenReply = issueToken;
  validTokens = new Set(['t1', 't2', 't3']);
  clearTokenCache();
});

const to = (path: string): Received[] => received.filter((r) => r.path === path);

function oauthCallout(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    url: `${base}/api`,
    method: 'POST',
    raw_body: '{"n": 1}',
    authorization: {
      type: 'oauth2',
      token_url: `${base}/token`,
      client_id: 'weir-client',
      client_secret: '{{ Data.Secret }}',
      scope: 'read write',
      ...extra,
    },
  };
}

describe('Callout: OAuth 2 client credentials', () => {
  it('fetches a token with the client-credentials grant, sends it as Bearer, and caches it', async () => {
    const clock = { now: 1_000_000 };
    const run = async () =>
      Callout.execute(makeContext(Callout, oauthCallout(), { data: { Secret: 's3cret' }, now: () => clock.now }).ctx);
    const first = await run();
    expect(first.kind).toBe('success');
    const [tokenRequest] = to('/token');
    expect(tokenRequest?.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    expect(Object.fromEntries(new URLSearchParams(tokenRequest?.body.toString()))).toEqual({
      grant_type: 'client_credentials',
      scope: 'read write',
      client_id: 'weir-client',
      client_secret: 's3cret',
    });
    expect(to('/api')[0]?.headers.authorization).toBe('Bearer t1');
    // The token is a credential: redacted in the record.
    expect(first.kind === 'success' && first.data['Callout']).toMatchObject({
      RequestHeaders: { authorization: '[redacted]' },
    });
    expect(JSON.stringify(first.kind === 'success' && first.data['Callout'])).not.toContain('s3cret');

    // 100 s lifetime, renewed 10 s early: still cached at +89 s, fetched again at +91 s.
    clock.now += 89_000;
    await run();
    expect(to('/token')).toHaveLength(1);
    clock.now += 2_000;
    await run();
    expect(to('/token')).toHaveLength(2);
    expect(to('/api').map((r) => r.headers.authorization)).toEqual(['Bearer t1', 'Bearer t1', 'Bearer t2']);
  });

  it('fetches one token for concurrent callouts', async () => {
    const runs = Array.from({ length: 5 }, () =>
      Callout.execute(makeContext(Callout, oauthCallout(), { data: { Secret: 's' } }).ctx),
    );
    expect((await Promise.all(runs)).map((o) => o.kind)).toEqual(Array(5).fill('success'));
    expect(to('/token')).toHaveLength(1);
  });

  it('drops the token after a 401, fetches a new one and sends once more', async () => {
    validTokens = new Set(['t2']);
    const { ctx, logs } = makeContext(Callout, oauthCallout(), { data: { Secret: 's' } });
    expect(await Callout.execute(ctx)).toMatchObject({ kind: 'success' });
    expect(to('/api').map((r) => r.headers.authorization)).toEqual(['Bearer t1', 'Bearer t2']);
    expect(to('/api').map((r) => r.headers['idempotency-key'])).toEqual(['7:11:1', '7:11:1']);
    expect(logs).toContain('fetching a new OAuth token after the 401, and sending again');

    // Refetched once only: a target that refuses every token fails the callout with its 401.
    validTokens = new Set();
    received.length = 0;
    const refused = await Callout.execute(makeContext(Callout, oauthCallout(), { data: { Secret: 's' } }).ctx);
    expect(refused).toMatchObject({ kind: 'error', message: 'Callout response was 401 after 1 tries.' });
    expect(to('/api')).toHaveLength(2);
    expect(to('/token')).toHaveLength(1);
  });

  it('sends the client credentials as HTTP Basic when asked', async () => {
    await Callout.execute(
      makeContext(Callout, oauthCallout({ client_authentication: 'basic', client_id: 'id:1', scope: '' }), {
        data: { Secret: 'p&w' },
      }).ctx,
    );
    const [tokenRequest] = to('/token');
    expect(tokenRequest?.headers.authorization).toBe(`Basic ${Buffer.from('id%3A1:p%26w').toString('base64')}`);
    expect(tokenRequest?.body.toString()).toBe('grant_type=client_credentials');
  });

  it('fails on a refused token request, retrying only server errors', async () => {
    tokenReply = () => ({ status: 401, body: { error: 'invalid_client', error_description: 'bad secret s' } });
    const refused = await Callout.execute(makeContext(Callout, oauthCallout(), { data: { Secret: 's' } }).ctx);
    expect(refused).toMatchObject({
      kind: 'error',
      errorClass: 'WorkflowError::Callout',
      message: `Callout to ${base}/api failed after 1 tries: the OAuth token endpoint ${base}/token answered 401 (invalid_client).`,
    });
    expect(to('/api')).toEqual([]);

    tokenReply = () => ({ status: 503, body: {} });
    const retried = await Callout.execute(
      makeContext(
        Callout,
        { ...oauthCallout(), retry_rules: { retry_count: '1', retry_window: '1' } },
        {
          data: { Secret: 's' },
        },
      ).ctx,
    );
    expect(retried).toMatchObject({ kind: 'wait', isRetry: true });
  });
});

describe('Callout: HMAC signatures', () => {
  it.each([
    ['MD5', 'md5'],
    ['SHA-1', 'sha1'],
    ['SHA-256', 'sha256'],
    ['SHA-384', 'sha384'],
    ['SHA-512', 'sha512'],
  ])('signs the body with %s in X-Signature, hex', async (algorithm, node) => {
    const { ctx } = makeContext(
      Callout,
      {
        url: `${base}/signed`,
        method: 'POST',
        raw_body: '{"amount": {{ Data.Amount }}}',
        authorization: { type: 'hmac', algorithm, secret: '{{ Data.Key }}' },
      },
      { data: { Amount: 12, Key: 'k3y' } },
    );
    expect(await Callout.execute(ctx)).toMatchObject({ kind: 'success' });
    const [request] = to('/signed');
    expect(request?.body.toString()).toBe('{"amount": 12}');
    expect(request?.headers['x-signature']).toBe(createHmac(node, 'k3y').update('{"amount": 12}').digest('hex'));
  });

  it('signs a Liquid signing_string into a named header, base64, with a prefix', async () => {
    const { ctx } = makeContext(
      Callout,
      {
        url: `${base}/signed`,
        method: 'GET',
        authorization: {
          type: 'hmac',
          algorithm: 'sha256',
          secret: 'k',
          header_name: 'X-Hub-Signature',
          signing_string: 'GET\n/signed\n{{ Data.Stamp }}',
          encoding: 'base64',
          prefix: 'sha256=',
        },
      },
      { data: { Stamp: '2026-01-01T00:00:00Z' } },
    );
    expect(await Callout.execute(ctx)).toMatchObject({ kind: 'success' });
    const expected = createHmac('sha256', 'k').update('GET\n/signed\n2026-01-01T00:00:00Z').digest('base64');
    expect(to('/signed')[0]?.headers['x-hub-signature']).toBe(`sha256=${expected}`);
  });
});

describe('Callout: form bodies', () => {
  const datas = [
    { key: '', value: '' },
    { key: 'account', value: '{{ Data.Id }}' },
    { key: 'note', value: 'a & b = c' },
    { key: 'tag', value: 'x' },
    { key: 'tag', value: 'y' },
  ];

  it('sends x-www-form-urlencoded from datas', async () => {
    const { ctx } = makeContext(
      Callout,
      { url: `${base}/form`, method: 'POST', body_type: 'x-www-form-urlencoded', datas },
      {
        data: { Id: 'A-1' },
      },
    );
    const out = await Callout.execute(ctx);
    const [request] = to('/form');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    expect(request?.body.toString()).toBe('account=A-1&note=a+%26+b+%3D+c&tag=x&tag=y');
    expect(out.kind === 'success' && out.data['Callout']).toMatchObject({
      RequestBody: { account: 'A-1', note: 'a & b = c', tag: ['x', 'y'] },
    });
  });

  it('sends multipart form-data, signed over the exact bytes sent', async () => {
    const { ctx } = makeContext(
      Callout,
      {
        url: `${base}/form`,
        method: 'POST',
        body_type: 'form-data',
        datas,
        // A Content-Type set by hand cannot carry the boundary; the body's own wins.
        headers: [{ key: 'Content-Type', value: 'application/json' }],
        authorization: { type: 'hmac', secret: 'k' },
      },
      { data: { Id: 'A-1' } },
    );
    const out = await Callout.execute(ctx);
    expect(out.kind).toBe('success');
    const [request] = to('/form');
    const contentType = String(request?.headers['content-type']);
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
    const form = await new Response(request?.body, { headers: { 'Content-Type': contentType } }).formData();
    expect([...form.entries()]).toEqual([
      ['account', 'A-1'],
      ['note', 'a & b = c'],
      ['tag', 'x'],
      ['tag', 'y'],
    ]);
    expect(request?.headers['x-signature']).toBe(
      createHmac('sha256', 'k')
        .update(request?.body ?? '')
        .digest('hex'),
    );
  });
});
