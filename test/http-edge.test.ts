import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from './helpers/http.js';
import { openRaw, parseRawAnswer, rawRequest, type RawAnswer, type RawConnection } from './helpers/raw-http.js';
import { pollUntil } from './helpers/runs.js';
import { must, setupWorkflow, type TriggerableWorkflow } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { responseFormatterWorkflow } from './helpers/workflows.js';

/**
 * Issue 10, points 6 and 9: what Node's HTTP layer refuses before a route sees it (a URI or headers over
 * the limit, bytes that are not HTTP, a malformed URL) is answered with the error envelope and a
 * request id like every other error; a client that sends its headers or body too slowly is cut with
 * 408 (before: Fastify's requestTimeout of 0 held a trickling body forever), and a thousand such
 * clients do not keep a normal request from being answered.
 */

let weir: TestWeir;
let workflow: TriggerableWorkflow;
const HEADERS_TIMEOUT_S = 1;
const REQUEST_TIMEOUT_S = 2;

beforeAll(async () => {
  weir = await startTestWeir({ headersTimeoutSeconds: HEADERS_TIMEOUT_S, requestTimeoutSeconds: REQUEST_TIMEOUT_S });
  workflow = await setupWorkflow(weir, responseFormatterWorkflow({ template: '{"ok": true}' }));
});

afterAll(async () => {
  await weir?.close();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The answer carries the envelope with `code`, and a request id under both names. */
function expectEnvelopeAnswer(answer: RawAnswer, status: number, code: string): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(answer.body).toEqual({ errors: [{ status, code, title: expect.any(String) }] });
  expect(answer.headers['weir-request-id']).toMatch(UUID);
  expect(answer.headers['zuora-request-id']).toBe(answer.headers['weir-request-id']);
}

describe('errors of the HTTP parser', () => {
  it('a request line longer than the header limit is a 414 in the envelope', async () => {
    const answer = await rawRequest(weir.url, `GET /workflows?name=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expectEnvelopeAnswer(answer, 414, 'uri_too_long');
  });

  it('headers over the limit are a 431 in the envelope', async () => {
    const answer = await rawRequest(
      weir.url,
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`,
    );
    expectEnvelopeAnswer(answer, 431, 'headers_too_large');
  });

  it('bytes that are not HTTP are a 400 in the envelope', async () => {
    const answer = await rawRequest(weir.url, 'HELLO THERE\r\n\r\n');
    expectEnvelopeAnswer(answer, 400, 'invalid');
  });

  it('a malformed percent-encoding in the path is a 400 in the envelope, with the request id', async () => {
    const response = await httpRequest(`${weir.url}/api/v1/workflows/%E0%A4%A/run`, { method: 'POST' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ errors: [{ status: 400, code: 'invalid', title: expect.any(String) }] });
    expect(response.headers['weir-request-id']).toMatch(UUID);
  });

  it('a path segment over the parameter limit is a 414 in the envelope, with the request id', async () => {
    const response = await httpRequest(`${weir.url}/api/v1/workflows/${'9'.repeat(300)}/run`, { method: 'POST' });
    expect(response.status).toBe(414);
    expect(response.body).toEqual({ errors: [{ status: 414, code: 'uri_too_long', title: expect.any(String) }] });
    expect(response.headers['weir-request-id']).toMatch(UUID);
  });
});

describe('request timeouts', () => {
  it('headers not complete within WEIR_HEADERS_TIMEOUT_SECONDS: 408 in the envelope, connection closed', async () => {
    const started = Date.now();
    const connection = await openRaw(weir.url, 'GET /health HTTP/1.1\r\nHost: x\r\n');
    await connection.closed;
    expect(Date.now() - started).toBeLessThan((HEADERS_TIMEOUT_S + 5) * 1000);
    expectEnvelopeAnswer(parseRawAnswer(connection.received()) as RawAnswer, 408, 'request_timeout');
  });

  it('a body that trickles past WEIR_REQUEST_TIMEOUT_SECONDS is cut with 408; nothing is run', async () => {
    const started = Date.now();
    const connection = await openRaw(
      weir.url,
      `POST /api/v1/workflows/${workflow.id}/run HTTP/1.1\r\nHost: x\r\nAPI-Token: ${workflow.settings.api_token}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a": "',
    );
    const trickle = setInterval(() => connection.socket.write('x'), 200);
    await connection.closed;
    clearInterval(trickle);
    expect(Date.now() - started).toBeLessThan((REQUEST_TIMEOUT_S + 5) * 1000);
    expectEnvelopeAnswer(parseRawAnswer(connection.received()) as RawAnswer, 408, 'request_timeout');
  });

  it('1,000 slow bodies at once: a normal request is still answered at once, and every slow one is cut', async () => {
    const slow: RawConnection[] = [];
    for (let i = 0; i < 1000; i += 1) {
      slow.push(
        await openRaw(
          weir.url,
          `POST /api/v1/workflows/${workflow.id}/run HTTP/1.1\r\nHost: x\r\n` +
            'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{',
        ),
      );
    }
    const trickle = setInterval(() => {
      for (const connection of slow) if (!connection.isClosed()) connection.socket.write(' ');
    }, 500);
    try {
      const asked = Date.now();
      must(await workflow.sync({ timeoutMs: 5_000 }), 200, 'a normal responsive run beside 1,000 slow bodies');
      const health = await httpRequest(`${weir.url}/health`, { timeoutMs: 5_000 });
      expect(health.status, health.text).toBe(200);
      // Served well before the slow ones are cut: they hold sockets, not the server.
      expect(Date.now() - asked).toBeLessThan(REQUEST_TIMEOUT_S * 1000);
      await pollUntil(async () => (slow.every((c) => c.isClosed()) ? true : undefined), {
        timeoutMs: (REQUEST_TIMEOUT_S + 10) * 1000,
        description: 'every slow body cut',
        describeLast: () => `${slow.filter((c) => !c.isClosed()).length} still open`,
      });
      const answers = slow.map((c) => parseRawAnswer(c.received())?.status);
      expect(answers.filter((status) => status === 408).length).toBe(1000);
    } finally {
      clearInterval(trickle);
      for (const connection of slow) connection.socket.destroy();
    }
  }, 60_000);
});
