import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from './helpers/assertions.js';
import { must, setupWorkflow } from './helpers/setup-workflow.js';
import { responseFormatterWorkflow } from './helpers/workflows.js';
import { fetchToken, startTestWeir, type TestWeir } from './helpers/start-weir.js';

/**
 * issue 11 point 3 over HTTP (storage and API): global constants set, listed, replaced and deleted;
 * a secret one sealed at rest and never shown again in full.
 */

let weir: TestWeir;
const SECRET = 'sk_live_0123456789abcdefWXYZ';

beforeAll(async () => {
  weir = await startTestWeir();
});
afterAll(async () => {
  await weir?.close();
});

describe('/workflows/global_constants', () => {
  it('sets plain and secret constants; a secret is shown only as a hint', async () => {
    const plain = must(
      await weir.api('PUT', '/workflows/global_constants/BASE_URL', { value: 'https://billing.example.test' }),
      200,
      'put',
    );
    expect(plain).toMatchObject({ name: 'BASE_URL', value: 'https://billing.example.test', secret: false, hint: null });
    const secret = must(
      await weir.api('PUT', '/workflows/global_constants/API_KEY', { value: SECRET, secret: true }),
      200,
      'put',
    );
    expect(secret).toMatchObject({ name: 'API_KEY', value: null, secret: true, hint: '****WXYZ' });
    must(await weir.api('PUT', '/workflows/global_constants/LIMITS', { value: { max: 3 } }), 200, 'put');
    const listed = must(await weir.api('GET', '/workflows/global_constants'), 200, 'list');
    expect(listed.data.map((c: { name: string }) => c.name)).toEqual(['API_KEY', 'BASE_URL', 'LIMITS']);
    expect(listed.data[2].value).toEqual({ max: 3 });
    expect(JSON.stringify(listed)).not.toContain(SECRET.slice(0, 12));
    const viewer = await fetchToken(weir.url, { scope: 'workflow:view' });
    must(await weir.api('GET', '/workflows/global_constants', undefined, { token: viewer }), 200, 'list as viewer');
    expectErrorEnvelope(await weir.api('PUT', '/workflows/global_constants/X', { value: 1 }, { token: viewer }), 403);
  });

  it('keeps no secret in plain text in the data dir', async () => {
    // A checkpoint is not needed: the WAL holds the newest pages, and it is a file of the data dir too.
    for (const file of await readdir(weir.dataDir, { recursive: true })) {
      const text = await readFile(path.join(weir.dataDir, file)).catch(() => Buffer.alloc(0));
      expect(text.includes(Buffer.from(SECRET)), file).toBe(false);
    }
  });

  it('replaces and deletes; bad names, values and flags are 400s naming the field', async () => {
    const replaced = must(
      await weir.api('PUT', '/workflows/global_constants/BASE_URL', { value: 'https://other.example.test' }),
      200,
      'put',
    );
    expect(replaced.value).toBe('https://other.example.test');
    must(await weir.api('DELETE', '/workflows/global_constants/BASE_URL'), 200, 'delete');
    expectErrorEnvelope(await weir.api('DELETE', '/workflows/global_constants/BASE_URL'), 404);
    expectErrorEnvelope(await weir.api('PUT', '/workflows/global_constants/9lives', { value: 1 }), 400, {
      field: 'name',
    });
    expectErrorEnvelope(await weir.api('PUT', '/workflows/global_constants/A', { secret: true }), 400, {
      field: 'value',
    });
    expectErrorEnvelope(await weir.api('PUT', '/workflows/global_constants/A', { value: 1, secret: 'yes' }), 400, {
      field: 'secret',
    });
    expectErrorEnvelope(await weir.api('PUT', '/workflows/global_constants/A', { value: 5, secret: true }), 400, {
      field: 'value',
    });
  });
});

describe('GlobalConstants in Liquid', () => {
  it('templates read the constants, secret ones opened; a change is seen by the next run', async () => {
    must(await weir.api('PUT', '/workflows/global_constants/REGION', { value: 'eu-west' }), 200, 'put');
    must(await weir.api('PUT', '/workflows/global_constants/TOKEN', { value: 'tok-1234', secret: true }), 200, 'put');
    const workflow = await setupWorkflow(
      weir,
      responseFormatterWorkflow({
        template:
          '{"region": {{ GlobalConstants.REGION | to_json }}, "tokenLength": {{ GlobalConstants.TOKEN | size }}}',
      }),
    );
    const first = await workflow.sync();
    expect(first.status, first.text).toBe(200);
    expect(first.body).toEqual({ region: 'eu-west', tokenLength: 8 });
    must(await weir.api('PUT', '/workflows/global_constants/REGION', { value: 'us-east' }), 200, 'put');
    const second = await workflow.sync();
    expect(second.body).toEqual({ region: 'us-east', tokenLength: 8 });
  });
});
