import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Callout } from './callout.js';
import { retryDueAt, statusAccepted } from './callout-support.js';
import { TaskParameterError } from './task-type.js';
import { makeContext, makeTask, testTools } from './test-context.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let base = '';
const received: Received[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const path = (req.url ?? '').split('?')[0];
      if (path === '/ok') {
        res.setHeader('Set-Cookie', ['a=1', 'b=2']);
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ id: 42, ok: true }));
      } else if (path === '/text') {
        res.end('plain words');
      } else if (path === '/fail') {
        res.statusCode = 500;
        res.end('{"error":"boom"}');
      } else if (path === '/slow') {
        setTimeout(() => res.end('late'), 2000).unref();
      } else if (path === '/big') {
        const chunk = Buffer.alloc(1024 * 1024, 'x');
        for (let i = 0; i < 6; i++) res.write(chunk);
        res.end();
      } else {
        res.statusCode = 404;
        res.end();
      }
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
});

describe('Callout', () => {
  it('sends the rendered request and writes the record', async () => {
    const { ctx, logs } = makeContext(
      Callout,
      {
        url: `${base}/ok?account={{Data.Account.Id}}`,
        method: 'post',
        headers: [
          { key: '', value: '' },
          { key: 'X-Account', value: '{{Data.Account.Id}}' },
        ],
        body_type: 'raw',
        raw_body: '{"name": "{{Data.Account.Name}}"}',
        authorization: { type: 'basic_auth', username: 'api', password: '{{Data.Secret}}' },
        validation: { status_codes: ['', '200'] },
        retry_rules: { retry_count: '0', retry_window: '30' },
        strict_variables: 'true',
        include_response_code: 'true',
      },
      { data: { Account: { Id: 'A-1', Name: 'Acme' }, Secret: 's3cret' } },
    );
    const out = await Callout.execute(ctx);
    expect(out.kind).toBe('success');
    if (out.kind !== 'success') return;

    expect(received).toHaveLength(1);
    const req = received[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/ok?account=A-1');
    expect(req.headers['x-account']).toBe('A-1');
    expect(req.headers['idempotency-key']).toBe('7:11:1');
    expect(req.headers['authorization']).toBe(`Basic ${Buffer.from('api:s3cret').toString('base64')}`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({ name: 'Acme' });

    expect(out.data['Callout']).toEqual({
      URL: `${base}/ok?account=A-1`,
      RequestBody: { name: 'Acme' },
      ResponseBody: { id: 42, ok: true },
      ResponseCode: 200,
      RequestHeaders: {
        authorization: '[redacted]',
        'content-type': 'application/json',
        'idempotency-key': '7:11:1',
        'x-account': 'A-1',
      },
      ResponseHeaders: expect.objectContaining({ 'set-cookie': ['a=1', 'b=2'], 'content-type': ['application/json'] }),
    });
    expect(logs.join('\n')).not.toContain('s3cret');
    expect(JSON.stringify(out.data)).not.toContain(Buffer.from('api:s3cret').toString('base64'));
  });

  it('sends a bearer token, keeps a user Idempotency-Key, and sends no body on GET', async () => {
    const { ctx } = makeContext(Callout, {
      url: `${base}/text`,
      raw_body: 'ignored',
      headers: [{ key: 'Idempotency-Key', value: 'mine' }],
      authorization: { type: 'bearer', token: 'tok' },
    });
    const out = await Callout.execute(ctx);
    expect(out.kind).toBe('success');
    const req = received[0]!;
    expect(req.method).toBe('GET');
    expect(req.headers['authorization']).toBe('Bearer tok');
    expect(req.headers['idempotency-key']).toBe('mine');
    expect(req.body).toBe('');
    if (out.kind === 'success') {
      expect(out.data['Callout']).toMatchObject({ ResponseBody: 'plain words', RequestBody: null, ResponseCode: 200 });
    }
  });

  it('fails when the status is not accepted, keeping the record for the Failure branch', async () => {
    const { ctx } = makeContext(Callout, { url: `${base}/fail`, validation: { status_codes: ['2xx'] } });
    const out = await Callout.execute(ctx);
    expect(out).toMatchObject({
      kind: 'error',
      errorClass: 'WorkflowError::Callout',
      message: 'Callout response was 500 after 1 tries.',
      data: { Callout: { ResponseCode: 500, ResponseBody: { error: 'boom' } } },
    });
  });

  it('accepts a listed non-2xx status', async () => {
    const { ctx } = makeContext(Callout, { url: `${base}/fail`, validation: { status_codes: ['200', '5XX'] } });
    expect((await Callout.execute(ctx)).kind).toBe('success');
  });

  it('waits for a retry inside the window while tries remain, then fails', async () => {
    const now = 1_700_000_000_000;
    const params = { url: `${base}/fail`, retry_rules: { retry_count: '2', retry_window: '10' } };
    const first = await Callout.execute(makeContext(Callout, params, { now }).ctx);
    expect(first.kind).toBe('wait');
    if (first.kind !== 'wait') return;
    expect(first.isRetry).toBe(true);
    expect(first.dueAt).toBeGreaterThanOrEqual(now);
    expect(first.dueAt).toBeLessThanOrEqual(now + 10 * 60_000);
    expect(first.state['retryWindowStart']).toBe(now);

    const later = now + 60_000;
    const second = await Callout.execute(
      makeContext(Callout, params, { now: later, attempt: 2, state: first.state }).ctx,
    );
    expect(second.kind).toBe('wait');
    if (second.kind === 'wait') expect(second.dueAt).toBeLessThanOrEqual(now + 10 * 60_000);

    const third = await Callout.execute(makeContext(Callout, params, { attempt: 3, state: first.state }).ctx);
    expect(third).toMatchObject({ kind: 'error', message: 'Callout response was 500 after 3 tries.' });
  });

  it('times out and reports it as a failed callout', async () => {
    const { ctx } = makeContext(Callout, { url: `${base}/slow`, timeout: '0.2' });
    const out = await Callout.execute(ctx);
    expect(out).toMatchObject({
      kind: 'error',
      errorClass: 'WorkflowError::Callout',
      message: `Callout to ${base}/slow failed after 1 tries: no answer within 0.2 seconds.`,
      data: { Callout: { ResponseCode: null, ResponseBody: null } },
    });
  });

  it('reports a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const out = await Callout.execute(makeContext(Callout, { url: `http://127.0.0.1:${port}/` }).ctx);
    expect(out.kind).toBe('error');
    if (out.kind === 'error')
      expect(out.message).toMatch(/^Callout to http:\/\/127\.0\.0\.1:\d+\/ failed after 1 tries: .*ECONNREFUSED/);
  });

  it('stops reading a body over 5 MiB and fails', async () => {
    const out = await Callout.execute(
      makeContext(Callout, { url: `${base}/big`, retry_rules: { retry_count: 3 } }).ctx,
    );
    expect(out).toMatchObject({ kind: 'error', message: expect.stringContaining('larger than 5 MiB') });
  });

  it('appends to an existing record, or replaces it when asked', async () => {
    const prior = { URL: 'x', ResponseCode: 200 };
    const appended = await Callout.execute(
      makeContext(Callout, { url: `${base}/ok` }, { data: { Callout: prior } }).ctx,
    );
    expect(appended.kind === 'success' && appended.data['Callout']).toEqual([
      prior,
      expect.objectContaining({ ResponseCode: 200 }),
    ]);

    const list = { Callout: [prior, prior] };
    const third = await Callout.execute(makeContext(Callout, { url: `${base}/ok` }, { data: list }).ctx);
    expect(third.kind === 'success' && (third.data['Callout'] as unknown[]).length).toBe(3);

    const replaced = await Callout.execute(
      makeContext(
        Callout,
        { url: `${base}/ok`, validation: { replace: 'true', payload_location: 'Echo' } },
        { data: { Echo: prior } },
      ).ctx,
    );
    expect(replaced.kind === 'success' && replaced.data['Echo']).toMatchObject({
      ResponseCode: 200,
      URL: `${base}/ok`,
    });
  });

  it('writes only the body when include_response_code is false', async () => {
    const out = await Callout.execute(makeContext(Callout, { url: `${base}/ok`, include_response_code: 'false' }).ctx);
    expect(out.kind === 'success' && out.data['Callout']).toEqual({ id: 42, ok: true });
  });

  it('turns a missing variable into a Liquid error', async () => {
    const out = await Callout.execute(makeContext(Callout, { url: `${base}/ok?x={{Data.Missing}}` }).ctx);
    expect(out).toMatchObject({ kind: 'error', errorClass: 'WorkflowError::Liquid' });
    expect(received).toHaveLength(0);
  });

  it('rejects unusable parameters at prepare', () => {
    const bad: Record<string, unknown>[] = [
      { url: '' },
      { url: 'http://x', method: 'TRACE' },
      { url: 'http://x', body_type: 'binary' },
      { url: 'http://x', method: 'POST', body_type: 'form-data', datas: 'a=b' },
      { url: 'http://x', authorization: { type: 'hmac', algorithm: 'SHA-3', secret: 's' } },
      { url: 'http://x', authorization: { type: 'hmac', algorithm: 'SHA-256' } },
      { url: 'http://x', authorization: { type: 'hmac', secret: 's', encoding: 'base32' } },
      { url: 'http://x', authorization: { type: 'oauth2', token_url: 'http://t', client_id: 'c' } },
      { url: 'http://x', authorization: { type: 'oauth2' } },
      { url: 'http://x', validation: { status_codes: ['20x'] } },
      { url: 'http://x', validation: { payload_location: 'a.b' } },
      { url: 'http://x', retry_rules: { retry_count: '11' } },
      { url: 'http://x', retry_rules: { retry_window: 61 } },
      { url: 'http://x', timeout: 301 },
      { url: 'http://x', headers: [{ key: 'bad name', value: '' }] },
      { url: '{{ unclosed' },
    ];
    for (const parameters of bad) {
      expect(() => Callout.prepare(makeTask('Callout', parameters), testTools), JSON.stringify(parameters)).toThrow(
        TaskParameterError,
      );
    }
  });
});

describe('callout support', () => {
  it('matches exact codes and classes', () => {
    expect(statusAccepted([], 204)).toBe(true);
    expect(statusAccepted([], 302)).toBe(false);
    expect(statusAccepted(['201', '4xx'], 404)).toBe(true);
    expect(statusAccepted(['201', '4xx'], 200)).toBe(false);
  });

  it('keeps the worst-case retries inside the window', () => {
    const windowMs = 30 * 60_000;
    let now = 0;
    for (let retry = 1; retry <= 10; retry++) {
      now = retryDueAt({ now, retry, retryCount: 10, windowMs, windowStart: 0, random: () => 0.999999 });
    }
    expect(now).toBeLessThanOrEqual(windowMs);
    expect(now).toBeGreaterThan(windowMs * 0.99);
  });
});
