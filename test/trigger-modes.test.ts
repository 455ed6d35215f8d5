import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from './helpers/assertions.js';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import {
  expectRunMetadata,
  expectRunSucceeds,
  getRun,
  listRuns,
  runIdThatIsNoWorkflowId,
  sleep,
  UTC_TIMESTAMP,
  waitForRun,
} from './helpers/runs.js';
import { setupWorkflow } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import {
  delayWorkflow,
  failingCalloutWorkflow,
  oneCalloutWorkflow,
  parallelCalloutsWorkflow,
  responseFormatterWorkflow,
} from './helpers/workflows.js';

/**
 * shared/contract/api.md "Standard mode: /run" and "Responsive mode: /sync" (every row of its table),
 * shared/contract/engine.md (branching, retries, idempotency keys of callouts, stop).
 */

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const QUEUED_STATUSES = ['Queued', 'Processing', 'Pending'] as const;

let weir: TestWeir;
let target: CalloutTarget;

beforeAll(async () => {
  [weir, target] = await Promise.all([startTestWeir({ syncTimeoutSeconds: 20 }), startCalloutTarget()]);
});

afterAll(async () => {
  await Promise.all([weir?.close(), target?.close()]);
});

describe('standard mode: /run', () => {
  it("reads a run's cpuTime as the time its task instances took, summed by the store", async () => {
    const path = '/modes/slow';
    target.on(path, { body: { pong: true }, delayMs: 1_100 });
    const workflow = await setupWorkflow(weir, oneCalloutWorkflow({ url: target.url(path) }));
    const response = await workflow.run({ json: {} });
    expect(response.status, response.text).toBe(200);
    const run = await expectRunSucceeds(weir, response.body.id as number);
    expect(run.cpuTime).toBe('00:00:01');
  });

  it('answers 200 with the run metadata, runs the workflow to Finished/Success, and calls out once with its idempotency key', async () => {
    const path = '/modes/standard';
    target.on(path, { body: { pong: true } });
    const workflow = await setupWorkflow(weir, oneCalloutWorkflow({ url: target.url(path) }));

    const response = await workflow.run({ json: {} });
    expect(response.status, response.text).toBe(200);
    expectRunMetadata(response.body, workflow.id, ['Queued', 'Processing']);
    const runId = response.body.id as number;

    const run = await expectRunSucceeds(weir, runId);
    expect(run.id).toBe(runId);
    expect(run.name).toBe(response.body.name);
    expect(run.originalWorkflowId).toBe(workflow.id);
    expect(run.type).toBe('Workflow::Instance');
    expect(run.tasks).toEqual({ total: 1, queued: 0, processing: 0, pending: 0, stopped: 0, success: 1, error: 0 });
    expect(run.finishedAt).toMatch(UTC_TIMESTAMP);
    expect(run.createdAt).toBe(response.body.createdAt);
    expect(run.runTime).toBeTypeOf('number');
    expect(run.runTime).toBeGreaterThanOrEqual(0);
    expect(run).toHaveProperty('cpuTime');

    const requests = target.requestsTo(path);
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request?.method).toBe('POST');
    expect(request?.headers['idempotency-key']).toMatch(new RegExp(`^${runId}:\\d+:1$`));
    // The raw_body Liquid was rendered against the run's Data.
    expect(request?.json).toEqual({ executionDate: expect.stringMatching(DATE) });

    const listed = await listRuns(weir, { workflow_id: String(workflow.id) });
    expect(listed.map((r) => r.id)).toEqual([runId]);
    const finished = await listRuns(weir, { workflow_id: String(workflow.id), status: 'Finished' });
    expect(finished.map((r) => r.id)).toEqual([runId]);
    expect(await listRuns(weir, { workflow_id: String(workflow.id), status: 'Queued' })).toEqual([]);
  });

  it('runs triggered by GET are the same', async () => {
    const path = '/modes/standard-get';
    const workflow = await setupWorkflow(weir, oneCalloutWorkflow({ url: target.url(path) }));
    const response = await workflow.run({ method: 'GET' });
    expect(response.status, response.text).toBe(200);
    expectRunMetadata(response.body, workflow.id);
    await expectRunSucceeds(weir, response.body.id);
    expect(target.requestsTo(path)).toHaveLength(1);
  });

  it('POST /workflows/{id}/run (OAuth) answers run metadata; with the id of a run it answers 409', async () => {
    const workflow = await setupWorkflow(weir, responseFormatterWorkflow({ template: '{"ok": true}' }));
    const response = await weir.api('POST', `/workflows/${workflow.id}/run`, {});
    expect(response.status, response.text).toBe(200);
    expectRunMetadata(response.body, workflow.id);
    await expectRunSucceeds(weir, response.body.id);

    const { runId } = await runIdThatIsNoWorkflowId(weir, workflow);
    // The reference answers this 409 with an inner status of 406.
    expectErrorEnvelope(await weir.api('POST', `/workflows/${runId}/run`, {}), 409, { innerStatus: [409, 406] });
  });
});

describe('responsive mode: /sync', () => {
  it('200 with the Data of the last task when there is no response task', async () => {
    const path = '/modes/sync-data';
    target.on(path, { body: { pong: 1 } });
    const workflow = await setupWorkflow(weir, oneCalloutWorkflow({ url: target.url(path) }));
    const response = await workflow.sync();
    expect(response.status, response.text).toBe(200);
    expect(String(response.headers['content-type'])).toMatch(/^application\/json/);
    const data = response.body;
    expect(data.Workflow.ExecutionDate).toMatch(DATE);
    expect(data.Callout.URL).toBe(target.url(path));
    expect(data.Callout.ResponseCode).toBe(200);
    expect(data.Callout.ResponseBody).toEqual({ pong: 1 });
    expect(target.requestsTo(path)).toHaveLength(1);
    const [run] = await listRuns(weir, { workflow_id: String(workflow.id) });
    await expectRunSucceeds(weir, run.id);
  });

  it("the response task's code and rendered output (Liquid)", async () => {
    const workflow = await setupWorkflow(
      weir,
      responseFormatterWorkflow({
        liquidCode: '{% assign answer = 6 | times: 7 %}',
        template: '{"answer": {{ Data.Liquid.answer }}, "date": "{{ Data.Workflow.ExecutionDate }}"}',
        code: 201,
      }),
    );
    const response = await workflow.sync({ method: 'GET' });
    expect(response.status, response.text).toBe(201);
    expect(String(response.headers['content-type'])).toMatch(/^application\/json/);
    expect(response.body).toEqual({ answer: 42, date: expect.stringMatching(DATE) });
    const [run] = await listRuns(weir, { workflow_id: String(workflow.id) });
    const finished = await expectRunSucceeds(weir, run.id);
    expect(finished.tasks.success).toBe(2);
  });

  it("the response task's code and rendered output (JSONata)", async () => {
    const workflow = await setupWorkflow(
      weir,
      responseFormatterWorkflow({
        processor: 'JSONata',
        template: '{"sum": 1 + 2, "date": Workflow.ExecutionDate}',
        code: 202,
      }),
    );
    const response = await workflow.sync();
    expect(response.status, response.text).toBe(202);
    expect(response.body).toEqual({ sum: 3, date: expect.stringMatching(DATE) });
  });

  it('211 with run metadata for a workflow holding a Delay; the run goes on and finishes', async () => {
    const workflow = await setupWorkflow(weir, delayWorkflow({ seconds: 1 }));
    const response = await workflow.sync();
    expect(response.status, response.text).toBe(211);
    expectRunMetadata(response.body, workflow.id, QUEUED_STATUSES);
    expect(response.body).toHaveProperty('runTime');
    expect(response.body).toHaveProperty('cpuTime');
    const run = await expectRunSucceeds(weir, response.body.id);
    expect(run.tasks.success).toBe(2);
  });

  it('403 with error_class, message and the run when a task fails and nothing handles it', async () => {
    const path = '/modes/fail-unhandled';
    target.on(path, { status: 500, body: { error: 'boom' } });
    const workflow = await setupWorkflow(
      weir,
      failingCalloutWorkflow({ url: target.url(path), hasFailureBranch: false }),
    );
    const response = await workflow.sync();
    expect(response.status, response.text).toBe(403);
    expect(response.body.error_class).toBe('WorkflowError::Callout');
    expect(response.body.message).toBeTypeOf('string');
    expect(response.body.message.length).toBeGreaterThan(0);
    expectRunMetadata(response.body.run, workflow.id, [...QUEUED_STATUSES, 'Finished']);
    const run = await waitForRun(weir, response.body.run.id);
    expect(run.status).toBe('Finished');
    expect(run.result).toBe('Error');
    expect(run.tasks.error).toBe(1);
    expect(target.requestsTo(path)).toHaveLength(1);
  });

  it("a failure handled by a Failure branch ending in a response task answers that task's output; the branch sees Data.Tasks.Previous", async () => {
    const path = '/modes/fail-handled';
    target.on(path, { status: 500, body: { error: 'boom' } });
    const workflow = await setupWorkflow(
      weir,
      failingCalloutWorkflow({ url: target.url(path), hasFailureBranch: true, code: 200 }),
    );
    const response = await workflow.sync();
    expect(response.status, response.text).toBe(200);
    expect(response.body).toEqual({
      handled: true,
      previous: {
        Id: expect.any(Number),
        Status: 'Error',
        ErrorClass: 'WorkflowError::Callout',
        ErrorReason: expect.stringMatching(/\S/),
      },
    });
    const [listed] = await listRuns(weir, { workflow_id: String(workflow.id) });
    const run = await waitForRun(weir, listed.id);
    expect(run.status).toBe('Finished');
    expect(run.result).toBe('Success');
    expect(run.tasks.error).toBe(1);
    expect(run.tasks.success).toBe(1);
  });

  it('a client that disconnects does not cancel the run', async () => {
    const path = '/modes/disconnect';
    target.on(path, { delayMs: 1500 });
    const workflow = await setupWorkflow(weir, oneCalloutWorkflow({ url: target.url(path) }));
    const controller = new AbortController();
    const answer = workflow.sync({ signal: controller.signal }).then(
      () => 'answered',
      () => 'aborted',
    );
    await target.waitForRequests(path, 1);
    controller.abort();
    expect(await answer).toBe('aborted');
    const runs = await listRuns(weir, { workflow_id: String(workflow.id) });
    expect(runs).toHaveLength(1);
    await expectRunSucceeds(weir, runs[0].id);
    expect(target.requestsTo(path)).toHaveLength(1);
  });

  describe('with a 1 s responsive timeout and one responsive run per process', () => {
    let slow: TestWeir;

    beforeAll(async () => {
      slow = await startTestWeir({ syncTimeoutSeconds: 1, syncConcurrency: 1 });
    });

    afterAll(async () => {
      await slow?.close();
    });

    it('408 with the run and a Location header when the run outlives the timeout; the run still finishes, once', async () => {
      const path = '/modes/slow-408';
      target.on(path, { delayMs: 2500 });
      const workflow = await setupWorkflow(slow, oneCalloutWorkflow({ url: target.url(path) }));
      const startedAt = Date.now();
      const response = await workflow.sync();
      const elapsed = Date.now() - startedAt;
      expectErrorEnvelope(response, 408);
      expect(elapsed).toBeGreaterThanOrEqual(900);
      expect(elapsed).toBeLessThan(2400);
      expectRunMetadata(response.body.run, workflow.id, QUEUED_STATUSES);
      expect(response.headers.location).toBe(`/workflows/workflow_runs/${response.body.run.id}`);
      await expectRunSucceeds(slow, response.body.run.id);
      // It went on in standard mode: the same run, not a second execution of the callout.
      expect(target.requestsTo(path)).toHaveLength(1);
      expect(await listRuns(slow, { workflow_id: String(workflow.id) })).toHaveLength(1);
    });

    it('212 with run metadata when the responsive concurrency limit is reached; that run is queued and finishes', async () => {
      const path = '/modes/slow-212';
      target.on(path, { delayMs: 600 });
      const workflow = await setupWorkflow(slow, oneCalloutWorkflow({ url: target.url(path) }));
      const first = workflow.sync();
      await target.waitForRequests(path, 1);
      const second = await workflow.sync();
      expect(second.status, second.text).toBe(212);
      expectRunMetadata(second.body, workflow.id, QUEUED_STATUSES);
      // The first holds the only responsive slot; it answers 200 (or 408 on a very slow machine).
      expect([200, 408]).toContain((await first).status);
      await expectRunSucceeds(slow, second.body.id);
      expect(target.requestsTo(path)).toHaveLength(2);
    });
  });
});

describe('engine behaviour seen through triggers', () => {
  it('two Success linkages from one task run both targets, in parallel', async () => {
    const pathB = '/modes/parallel-b';
    const pathC = '/modes/parallel-c';
    target.on(pathB, { delayMs: 1000 });
    target.on(pathC, { delayMs: 1000 });
    const workflow = await setupWorkflow(
      weir,
      parallelCalloutsWorkflow({ urlB: target.url(pathB), urlC: target.url(pathC) }),
    );
    const response = await workflow.run();
    expect(response.status, response.text).toBe(200);
    const run = await expectRunSucceeds(weir, response.body.id);
    expect(run.tasks.total).toBe(3);
    expect(run.tasks.success).toBe(3);
    const [b] = target.requestsTo(pathB);
    const [c] = target.requestsTo(pathC);
    expect(target.requestsTo(pathB)).toHaveLength(1);
    expect(target.requestsTo(pathC)).toHaveLength(1);
    // Each branch waits 1 s on the target: the second started before the first was answered.
    expect(Math.abs((b?.receivedAt ?? 0) - (c?.receivedAt ?? 0))).toBeLessThan(1000);
  });

  it('a callout with retry_rules (count 2, window 0.05 minutes) against a target failing twice succeeds after 3 requests, one task instance', async () => {
    const path = '/modes/retry';
    target.on(path, (_request, index) =>
      index < 2 ? { status: 503, body: { error: 'try again' } } : { body: { ok: true } },
    );
    const workflow = await setupWorkflow(
      weir,
      oneCalloutWorkflow({ url: target.url(path), retry: { count: 2, windowMinutes: 0.05 } }),
    );
    const response = await workflow.run();
    expect(response.status, response.text).toBe(200);
    const runId = response.body.id as number;
    const run = await expectRunSucceeds(weir, runId, 20_000);
    expect(run.tasks).toMatchObject({ total: 1, success: 1, error: 0, pending: 0 });
    const keys = target.requestsTo(path).map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    const taskInstanceId = /^\d+:(\d+):1$/.exec(String(keys[0]))?.[1];
    expect(taskInstanceId, String(keys[0])).toBeDefined();
    expect(keys).toEqual([1, 2, 3].map((attempt) => `${runId}:${taskInstanceId}:${attempt}`));
  }, 30_000);

  it('PUT /workflows/workflow_runs/{id}/stop ends a run waiting on a 60 s Delay as Stopped', async () => {
    const workflow = await setupWorkflow(weir, delayWorkflow({ seconds: 60 }));
    const response = await workflow.run();
    expect(response.status, response.text).toBe(200);
    const runId = response.body.id as number;
    await waitForRun(weir, runId, {
      until: (run) => run.tasks.pending === 1,
      what: 'having its Delay pending',
      timeoutMs: 10_000,
    });

    const stop = await weir.api('PUT', `/workflows/workflow_runs/${runId}/stop`);
    expect(stop.status, stop.text).toBe(200);
    const run = await waitForRun(weir, runId, {
      until: (r) => r.status === 'Stopped',
      what: 'becoming Stopped',
      timeoutMs: 10_000,
    });
    expect(run.tasks).toMatchObject({ total: 1, pending: 0, queued: 0, processing: 0, success: 0, stopped: 1 });
    // Final: it stays Stopped, and the task after the Delay never runs.
    await sleep(500);
    const later = await getRun(weir, runId);
    expect(later.status).toBe('Stopped');
    expect(later.tasks.total).toBe(1);
  });
});
