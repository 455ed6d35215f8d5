import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from './helpers/assertions.js';
import type { HttpResponse, JsonBody } from './helpers/http.js';
import { expectRunMetadata, listRuns, runIdThatIsNoWorkflowId } from './helpers/runs.js';
import {
  must,
  setupWorkflow,
  trigger,
  type TriggerableWorkflow,
  type TriggerOptions,
} from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { responseFormatterWorkflow } from './helpers/workflows.js';

/** shared/contract/api.md "Trigger API": credentials, and the 400s for switched-off workflows. */

const CALLOUT_OFF = 'Callout mode is not turned on in this workflow.';
const RESPONSIVE_OFF = 'Responsive mode is not turned on in this workflow.';
const INACTIVE = 'Inactive workflow definitions cannot be run.';
const OK_TEMPLATE = '{"ok": true}';
const MODES = ['run', 'sync'] as const;
const METHODS = ['GET', 'POST'] as const;

let weir: TestWeir;
/** The workflow the matrix triggers. */
let a: TriggerableWorkflow;
/** Another workflow, whose credentials must not open `a`. */
let b: TriggerableWorkflow;
let calloutOff: TriggerableWorkflow;
let responsiveOff: TriggerableWorkflow;
/** Imported without `activate`: Inactive, triggers on. */
let neverActivated: TriggerableWorkflow;
/** Imported without `activate`, callout trigger off: Inactive must win (check order). */
let inactiveAndCalloutOff: TriggerableWorkflow;
/** Active, then `PATCH {"status": "Inactive"}` in a test. */
let deactivated: TriggerableWorkflow;
let rotated: TriggerableWorkflow;
/** The id of a run of `a` that is no workflow's id. */
let runId: number;
/** Runs of `a` that the tests started on purpose; every other trigger of `a` must have stored none. */
let runsStartedOnA = 0;
/** Every 401 body of the trigger API seen in this file: they must all be the same. */
const unauthorizedBodies: { what: string; body: JsonBody }[] = [];

beforeAll(async () => {
  weir = await startTestWeir();
  const ok = () => responseFormatterWorkflow({ template: OK_TEMPLATE });
  a = await setupWorkflow(weir, ok());
  b = await setupWorkflow(weir, ok());
  calloutOff = await setupWorkflow(weir, ok(), { triggers: { callout_trigger: false, sync_trigger: false } });
  responsiveOff = await setupWorkflow(weir, ok(), { triggers: { callout_trigger: true, sync_trigger: false } });
  neverActivated = await setupWorkflow(weir, ok(), { activate: false });
  inactiveAndCalloutOff = await setupWorkflow(weir, ok(), {
    activate: false,
    triggers: { callout_trigger: false, sync_trigger: false },
  });
  deactivated = await setupWorkflow(weir, ok());
  rotated = await setupWorkflow(weir, ok());
  // No workflow is created after this point, so the run id stays free of collisions.
  const everyWorkflow = [a, b, calloutOff, responsiveOff, neverActivated, inactiveAndCalloutOff, deactivated, rotated];
  const found = await runIdThatIsNoWorkflowId(
    weir,
    a,
    everyWorkflow.map((w) => w.id),
  );
  runId = found.runId;
  runsStartedOnA += found.runsStarted;
});

afterAll(async () => {
  await weir?.close();
});

function expectUnauthorized(response: HttpResponse, what: string): void {
  expectErrorEnvelope(response, 401);
  expect(response.headers['www-authenticate'], what).toBe('Basic realm="weir"');
  unauthorizedBodies.push({ what, body: response.body });
}

/** A successful trigger of `workflow` through `mode`: run metadata on /run, the formatter's answer on /sync. */
function expectAccepted(response: HttpResponse, workflow: TriggerableWorkflow, mode: 'run' | 'sync'): void {
  expect(response.status, response.text).toBe(200);
  if (mode === 'run') expectRunMetadata(response.body, workflow.id);
  else expect(response.body).toEqual({ ok: true });
}

describe('settings', () => {
  it('shows the trigger switches, both endpoint URLs and per-workflow credentials', () => {
    expect(a.settings.callout_trigger).toBe(true);
    expect(a.settings.sync_trigger).toBe(true);
    expect(a.settings.endpoints).toEqual({
      run: `${weir.url}/api/v1/workflows/${a.id}/run`,
      sync: `${weir.url}/api/v1/workflows/${a.id}/sync`,
    });
    expect(a.settings.api_token).toBeTypeOf('string');
    expect(a.settings.api_token.length).toBeGreaterThanOrEqual(16);
    expect(a.settings.basic_auth.username).toBeTypeOf('string');
    expect(a.settings.basic_auth.username.length).toBeGreaterThan(0);
    expect(a.settings.basic_auth.password.length).toBeGreaterThanOrEqual(16);
    expect(b.settings.api_token).not.toBe(a.settings.api_token);
    expect(b.settings.basic_auth.password).not.toBe(a.settings.basic_auth.password);
    expect(calloutOff.settings.callout_trigger).toBe(false);
    expect(responsiveOff.settings.sync_trigger).toBe(false);
  });
});

interface UnauthorizedCase {
  name: string;
  /** The workflow id in the URL (default `a.id`) and the trigger options. */
  request: () => { workflowId?: number | string; options: TriggerOptions };
}

const unauthorizedCases: UnauthorizedCase[] = [
  { name: 'no credentials', request: () => ({ options: { auth: null } }) },
  { name: 'a wrong API-Token', request: () => ({ options: { auth: { apiToken: `${a.settings.api_token}x` } } }) },
  { name: 'an empty API-Token', request: () => ({ options: { auth: { apiToken: '' } } }) },
  {
    name: 'a wrong basic password',
    request: () => ({
      options: {
        auth: { basic: { username: a.settings.basic_auth.username, password: `${a.settings.basic_auth.password}x` } },
      },
    }),
  },
  {
    name: 'an unknown basic user',
    request: () => ({
      options: { auth: { basic: { username: 'nobody-at-all', password: a.settings.basic_auth.password } } },
    }),
  },
  {
    name: 'a malformed basic header',
    request: () => ({ options: { auth: null, headers: { Authorization: 'Basic !!!not-base64!!!' } } }),
  },
  { name: 'the API-Token of another workflow', request: () => ({ options: { auth: b.apiTokenAuth } }) },
  { name: 'the basic credentials of another workflow', request: () => ({ options: { auth: b.basicAuth } }) },
  {
    name: 'an OAuth bearer token instead of trigger credentials',
    request: () => ({ options: { auth: null, headers: { Authorization: `Bearer ${weir.token}` } } }),
  },
  { name: 'an unknown workflow id', request: () => ({ workflowId: 987654, options: { auth: a.apiTokenAuth } }) },
  {
    name: 'a run id used as the workflow id',
    request: () => ({ workflowId: runId, options: { auth: a.apiTokenAuth } }),
  },
  {
    name: 'the API-Token in the query string (api_token)',
    request: () => ({ options: { auth: null, query: { api_token: a.settings.api_token } } }),
  },
  {
    name: 'the API-Token in the query string (API-Token)',
    request: () => ({ options: { auth: null, query: { 'API-Token': a.settings.api_token } } }),
  },
];

describe.each(MODES)('/api/v1/workflows/{id}/%s', (mode) => {
  describe.each(METHODS)('%s', (method) => {
    it('accepts the API-Token header', async () => {
      expectAccepted(await trigger(weir.url, a.id, mode, { method, auth: a.apiTokenAuth }), a, mode);
      runsStartedOnA += 1;
    });

    it("accepts HTTP basic with the workflow's username and password", async () => {
      expectAccepted(await trigger(weir.url, a.id, mode, { method, auth: a.basicAuth }), a, mode);
      runsStartedOnA += 1;
    });

    it.each(unauthorizedCases)('answers 401 for $name', async ({ name, request }) => {
      const { workflowId, options } = request();
      const response = await trigger(weir.url, workflowId ?? a.id, mode, { method, ...options });
      expectUnauthorized(response, `${method} /${mode}: ${name}`);
    });

    it('checks credentials before anything else (a switched-off or inactive workflow still answers 401)', async () => {
      for (const workflow of [calloutOff, neverActivated, inactiveAndCalloutOff, responsiveOff]) {
        const response = await trigger(weir.url, workflow.id, mode, { method, auth: b.apiTokenAuth });
        expectUnauthorized(response, `${method} /${mode} on workflow ${workflow.id} with b's token`);
      }
    });

    it(`answers 400 "${CALLOUT_OFF}" when the callout trigger is off`, async () => {
      for (const auth of [calloutOff.apiTokenAuth, calloutOff.basicAuth]) {
        expectErrorEnvelope(await trigger(weir.url, calloutOff.id, mode, { method, auth }), 400, {
          title: CALLOUT_OFF,
        });
      }
    });

    it(`answers 400 "${INACTIVE}" for a workflow that was never activated`, async () => {
      expectErrorEnvelope(
        await trigger(weir.url, neverActivated.id, mode, { method, auth: neverActivated.apiTokenAuth }),
        400,
        { title: INACTIVE },
      );
    });

    it('reports Inactive before the callout trigger being off', async () => {
      const response = await trigger(weir.url, inactiveAndCalloutOff.id, mode, {
        method,
        auth: inactiveAndCalloutOff.apiTokenAuth,
      });
      expectErrorEnvelope(response, 400, { title: INACTIVE });
    });

    if (mode === 'sync') {
      it(`answers 400 "${RESPONSIVE_OFF}" when responsive mode is off`, async () => {
        for (const auth of [responsiveOff.apiTokenAuth, responsiveOff.basicAuth]) {
          expectErrorEnvelope(await trigger(weir.url, responsiveOff.id, 'sync', { method, auth }), 400, {
            title: RESPONSIVE_OFF,
          });
        }
      });
    } else {
      it('runs a workflow whose responsive mode is off in standard mode', async () => {
        expectAccepted(
          await trigger(weir.url, responsiveOff.id, 'run', { method, auth: responsiveOff.apiTokenAuth }),
          responsiveOff,
          'run',
        );
      });
    }
  });
});

describe('the management run endpoint', () => {
  it(`POST /workflows/{id}/run answers 400 "${CALLOUT_OFF}" when the callout trigger is off`, async () => {
    expectErrorEnvelope(await weir.api('POST', `/workflows/${calloutOff.id}/run`, {}), 400, { title: CALLOUT_OFF });
  });

  it(`POST /workflows/{id}/run answers 400 "${INACTIVE}" for an Inactive workflow`, async () => {
    expectErrorEnvelope(await weir.api('POST', `/workflows/${neverActivated.id}/run`, {}), 400, { title: INACTIVE });
  });
});

describe('deactivation', () => {
  it(`a workflow PATCHed to Inactive answers 400 "${INACTIVE}", and runs again once Active`, async () => {
    expectAccepted(await deactivated.run(), deactivated, 'run');
    const patched = must(
      await weir.api('PATCH', `/workflows/${deactivated.id}`, { status: 'Inactive' }),
      200,
      'deactivate',
    );
    expect(patched.status).toBe('Inactive');
    for (const mode of MODES) {
      for (const method of METHODS) {
        expectErrorEnvelope(
          await trigger(weir.url, deactivated.id, mode, { method, auth: deactivated.apiTokenAuth }),
          400,
          { title: INACTIVE },
        );
      }
    }
    const reactivated = must(
      await weir.api('PATCH', `/workflows/${deactivated.id}`, { status: 'Active' }),
      200,
      'reactivate',
    );
    expect(reactivated.status).toBe('Active');
    expectAccepted(await deactivated.run(), deactivated, 'run');
    expectAccepted(await deactivated.sync(), deactivated, 'sync');
  });
});

describe('rotation', () => {
  it('POST /workflows/{id}/settings/rotate answers new credentials; the old ones stop working at once', async () => {
    const old = { apiToken: rotated.apiTokenAuth, basic: rotated.basicAuth, settings: rotated.settings };
    expectAccepted(await rotated.run(), rotated, 'run');

    const response = await weir.api('POST', `/workflows/${rotated.id}/settings/rotate`);
    expect(response.status, response.text).toBe(200);
    const fresh = response.body;
    expect(fresh.api_token).toBeTypeOf('string');
    expect(fresh.api_token).not.toBe(old.settings.api_token);
    expect(fresh.basic_auth.password).not.toBe(old.settings.basic_auth.password);
    expect(fresh.endpoints).toEqual(old.settings.endpoints);
    expect(fresh.callout_trigger).toBe(true);
    expect(fresh.sync_trigger).toBe(true);

    const reread = await rotated.refreshSettings();
    expect(reread.api_token).toBe(fresh.api_token);
    expect(reread.basic_auth).toEqual(fresh.basic_auth);

    for (const mode of MODES) {
      for (const method of METHODS) {
        expectUnauthorized(
          await trigger(weir.url, rotated.id, mode, { method, auth: old.apiToken }),
          `old API-Token, ${method} /${mode}`,
        );
        expectUnauthorized(
          await trigger(weir.url, rotated.id, mode, { method, auth: old.basic }),
          `old basic, ${method} /${mode}`,
        );
        expectAccepted(
          await trigger(weir.url, rotated.id, mode, { method, auth: rotated.apiTokenAuth }),
          rotated,
          mode,
        );
        expectAccepted(await trigger(weir.url, rotated.id, mode, { method, auth: rotated.basicAuth }), rotated, mode);
      }
    }
  });
});

describe('after the matrix', () => {
  it('every 401 of the trigger API had the same body', () => {
    expect(unauthorizedBodies.length).toBeGreaterThan(50);
    const first = unauthorizedBodies[0]?.body;
    for (const { what, body } of unauthorizedBodies) expect(body, what).toEqual(first);
  });

  it('no rejected trigger stored a run', async () => {
    const runs = await listRuns(weir, { workflow_id: String(a.id) });
    expect(runs.length).toBe(runsStartedOnA);
    for (const workflow of [calloutOff, neverActivated, inactiveAndCalloutOff]) {
      expect(await listRuns(weir, { workflow_id: String(workflow.id) }), `workflow ${workflow.id}`).toEqual([]);
    }
  });
});
