import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from './helpers/assertions.js';
import { setupWorkflow, trigger } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { responseFormatterWorkflow } from './helpers/workflows.js';

/**
 * Issue 10 point 1: on an empty server, a probe of `/api/v1/workflows/1/run` with a wrong token (401) made
 * the workflow imported next (id 1) refuse its own token and basic credentials until a PATCH or a
 * restart: the trigger-target cache kept the miss. It keeps no miss now (and a create drops the id on every
 * node), and it is bounded (an LRU). With both taken out again, this test fails with the 401.
 * A Weir of its own: ids must be those an empty server hands out.
 */

const PROBED_IDS = 40;

let weir: TestWeir;

beforeAll(async () => {
  weir = await startTestWeir();
});

afterAll(async () => {
  await weir?.close();
});

describe('probing ids locks no future workflow out', () => {
  it('probes of ids no workflow has get 401; the workflow later imported under one of them answers its own credentials', async () => {
    for (let id = 1; id <= PROBED_IDS; id += 1) {
      const wrongToken = await trigger(weir.url, id, 'run', { auth: { apiToken: 'nope' } });
      expectErrorEnvelope(wrongToken, 401);
      const wrongBasic = await trigger(weir.url, id, 'sync', { auth: { basic: { username: 'x', password: 'y' } } });
      expectErrorEnvelope(wrongBasic, 401);
    }
    const workflow = await setupWorkflow(weir, responseFormatterWorkflow({ template: '{"ok": true}' }));
    // An empty server's first workflow takes one of the probed ids: the case the issue reproduced.
    expect(workflow.id).toBeLessThanOrEqual(PROBED_IDS);

    const byToken = await workflow.sync();
    expect(byToken.status, byToken.text).toBe(200);
    expect(byToken.body).toEqual({ ok: true });
    const byBasic = await workflow.run({ auth: { basic: workflow.settings.basic_auth } });
    expect(byBasic.status, byBasic.text).toBe(200);
    // And a wrong token for it is still refused.
    expectErrorEnvelope(await workflow.sync({ auth: { apiToken: 'nope' } }), 401);
  });
});
