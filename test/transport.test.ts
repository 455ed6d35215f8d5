import http from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from './helpers/assertions.js';
import { must } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { start, task, uniqueName, workflowDocument } from './helpers/workflows.js';

/**
 * issue 11 point 7 over HTTP: gzip answers over 1,000 bytes, gzip request bodies (a gzip bomb is a
 * 413), the reference's `Zuora-Request-Id`, and export of a malformed `version` answering 400.
 */

let weir: TestWeir;

beforeAll(async () => {
  weir = await startTestWeir();
});
afterAll(async () => {
  await weir?.close();
});

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request whose answer body is kept as bytes (node:http does not inflate). */
function raw(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${weir.url}${path}`,
      { method, agent: false, headers: { authorization: `Bearer ${weir.token}`, ...headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

function document(name = uniqueName('transport')) {
  return workflowDocument({ name, tasks: [task.liquid(1, 'Compute', '{% assign a = 1 %}')], linkages: [start(1)] });
}

describe('compressed answers', () => {
  it('Accept-Encoding gzip compresses an answer over 1,000 bytes; the content is the same', async () => {
    for (let i = 0; i < 4; i += 1) must(await weir.api('POST', '/workflows/import', document()), 200, 'import');
    const plain = await raw('GET', '/workflows', {});
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(1000);
    const zipped = await raw('GET', '/workflows', { 'accept-encoding': 'gzip' });
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.body.length).toBeLessThan(plain.body.length);
    expect(JSON.parse(gunzipSync(zipped.body).toString('utf8'))).toEqual(JSON.parse(plain.body.toString('utf8')));
  });

  it('an answer of 1,000 bytes or less is sent as is', async () => {
    const small = await raw('GET', '/workflows/999999', { 'accept-encoding': 'gzip' });
    expect(small.status).toBe(404);
    expect(small.body.length).toBeLessThanOrEqual(1000);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(small.body.toString('utf8')).errors[0].code).toBe('not_found');
  });
});

describe('compressed request bodies', () => {
  it('Content-Encoding gzip: the body is inflated and imported', async () => {
    const name = uniqueName('gzipped');
    const answer = await raw(
      'POST',
      '/workflows/import',
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      gzipSync(JSON.stringify(document(name))),
    );
    expect(answer.status, answer.body.toString()).toBe(200);
    expect(JSON.parse(answer.body.toString('utf8')).name).toBe(name);
  });

  it('a gzip bomb (64 KiB inflating to 64 MiB, past the 5 MiB limit) is a 413; nothing is stored', async () => {
    const before = must(await weir.api('GET', '/workflows?page_length=50'), 200, 'list').data.length as number;
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"workflow": {"name": "'), Buffer.alloc(64 * 1024 * 1024, 'a')]));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const answer = await raw(
      'POST',
      '/workflows/import',
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      bomb,
    );
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body.toString('utf8')).errors).toEqual([
      { status: 413, code: 'too_large', title: 'The request body is larger than 5 MiB.' },
    ]);
    expect(must(await weir.api('GET', '/workflows?page_length=50'), 200, 'list').data.length).toBe(before);
  });

  it('a body that is not gzip is a 400, an unknown encoding a 415', async () => {
    const broken = await raw(
      'POST',
      '/workflows/import',
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      Buffer.from('{"not": "gzip"}'),
    );
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.body.toString('utf8')).errors[0].title).toBe(
      'The body could not be decompressed with its Content-Encoding.',
    );
    const unknown = await raw(
      'POST',
      '/workflows/import',
      { 'content-type': 'application/json', 'content-encoding': 'zstd' },
      Buffer.from('{}'),
    );
    expect(unknown.status).toBe(415);
  });
});

describe('request ids and export versions', () => {
  it('every answer carries Zuora-Request-Id (36 characters), the same id as Weir-Request-Id', async () => {
    const ids = new Set<string>();
    for (const path of ['/workflows', '/workflows/999999', '/nothing-here']) {
      const answer = await raw('GET', path, {});
      const id = String(answer.headers['zuora-request-id']);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(answer.headers['weir-request-id']).toBe(id);
      ids.add(id);
    }
    expect(ids.size).toBe(3);
  });

  it('export of a malformed version is a 400 as the reference; an unknown one a 404', async () => {
    const imported = must(await weir.api('POST', '/workflows/import', document()), 200, 'import');
    expectErrorEnvelope(await weir.api('GET', `/workflows/${imported.id}/export?version=abc`), 400, {
      title: "The input of version 'abc' is invalid.",
      field: 'version',
    });
    expectErrorEnvelope(await weir.api('GET', `/workflows/${imported.id}/export?version=1.2.3`), 404);
  });
});
