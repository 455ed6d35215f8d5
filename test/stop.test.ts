import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDocument } from '../src/model/workflow-document.js';
import { expectErrorEnvelope } from './helpers/assertions.js';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import { expectRunSucceeds, getRun, RUN_NAME, sleep, waitForRun } from './helpers/runs.js';
import { must, setupWorkflow } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { link, start, task, workflowDocument } from './helpers/workflows.js';

/**
 * issue 4 "Stop": `PUT /workflows/workflow_runs/{id}/stop` answers the run; `Stopping` then `Stopped`;
 * no new task starts; a running callout is abandoned.
 */

let weir: TestWeir;
let target: CalloutTarget;

beforeAll(async () => {
  [weir, target] = await Promise.all([startTestWeir({}, { hasBackgroundTimers: false }), startCalloutTarget()]);
});

afterAll(async () => {
  await Promise.all([weir?.close(), target?.close()]);
});

/** Start → Callout to `path` → (Success) a second Callout to `${path}/next`. */
function twoCallouts(path: string, runLimit?: number): WorkflowDocument {
  const document = workflowDocument({
    tasks: [
      task.callout(1, 'First', { url: target.url(path) }),
      task.callout(2, 'Next', { url: target.url(`${path}/next`) }),
    ],
    linkages: [start(1), link(1, 2)],
  });
  return runLimit ? { ...document, workflow: { ...document.workflow, concurrent_run_limit: runLimit } } : document;
}

describe('stopping a run', () => {
  it('abandons a callout in flight: the answer is the run, Stopping, then Stopped; the next task never starts', async () => {
    const path = '/stop/in-flight';
    target.on(path, { delayMs: 5000 });
    const workflow = await setupWorkflow(weir, twoCallouts(path));
    const run = must(await workflow.run(), 200, 'run');
    await target.waitForRequests(path, 1);
    const startedAt = Date.now();

    const stop = await weir.api('PUT', `/workflows/workflow_runs/${run.id}/stop`);
    expect(stop.status, stop.text).toBe(200);
    expect(stop.body).toMatchObject({
      id: run.id,
      name: expect.stringMatching(RUN_NAME),
      originalWorkflowId: workflow.id,
      type: 'Workflow::Instance',
      status: 'Stopping',
      tasks: { total: 1 },
    });
    // Counted just after the stop: the aborted callout may already have ended (its abort is in-process).
    expect(stop.body.tasks.processing + stop.body.tasks.stopped).toBe(1);

    const stopped = await waitForRun(weir, run.id, { until: (r) => r.status === 'Stopped', timeoutMs: 4000 });
    // Abandoned: Stopped long before the target (5 s) would have answered.
    expect(Date.now() - startedAt).toBeLessThan(4000);
    expect(stopped.tasks).toEqual({ total: 1, queued: 0, processing: 0, pending: 0, stopped: 1, success: 0, error: 0 });
    expect(stopped.finishedAt).not.toBeNull();
    await sleep(300);
    expect(target.requestsTo(`${path}/next`)).toHaveLength(0);
    expect((await getRun(weir, run.id)).status).toBe('Stopped');
    // Stopping again answers the run as it is.
    const again = must(await weir.api('PUT', `/workflows/workflow_runs/${run.id}/stop`), 200, 'stop again');
    expect(again.status).toBe('Stopped');
  });

  it('a queued run that has not started is Stopped at once, and its task never runs', async () => {
    const path = '/stop/queued';
    target.on(path, { delayMs: 800 });
    // One run at a time: the second stays Queued behind the first.
    const workflow = await setupWorkflow(weir, twoCallouts(path, 1));
    const first = must(await workflow.run(), 200, 'first');
    const second = must(await workflow.run(), 200, 'second');
    await target.waitForRequests(path, 1);
    expect((await getRun(weir, second.id)).status).toBe('Queued');
    const stop = must(await weir.api('PUT', `/workflows/workflow_runs/${second.id}/stop`), 200, 'stop');
    expect(stop.status).toBe('Stopped');
    expect(stop.tasks).toMatchObject({ total: 1, stopped: 1, queued: 0 });
    await expectRunSucceeds(weir, first.id);
    await sleep(300);
    // Only the first run called out (twice: its two tasks).
    expect(target.requestsTo(path)).toHaveLength(1);
    expect(target.requestsTo(`${path}/next`)).toHaveLength(1);
  });

  it('a finished run is answered as it is; an unknown run is 404', async () => {
    const workflow = await setupWorkflow(weir, twoCallouts('/stop/finished'));
    const run = must(await workflow.run(), 200, 'run');
    await expectRunSucceeds(weir, run.id);
    const stop = must(await weir.api('PUT', `/workflows/workflow_runs/${run.id}/stop`), 200, 'stop');
    expect(stop).toMatchObject({ id: run.id, status: 'Finished', result: 'Success' });
    expectErrorEnvelope(await weir.api('PUT', '/workflows/workflow_runs/999999999/stop'), 404);
  });
});
