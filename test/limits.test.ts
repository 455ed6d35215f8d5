import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDocument } from '../src/model/workflow-document.js';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import { expectRunMetadata, expectRunSucceeds, listRuns } from './helpers/runs.js';
import { must, setupWorkflow } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { oneCalloutWorkflow } from './helpers/workflows.js';

/**
 * issue 4 "Limits": a task's `concurrent_limit` honoured by the claim, a workflow's `concurrent_run_limit`
 * (runs past it stay Queued; `/sync` past it answers 212), `priority` ordering claims. (The responsive
 * limit `WEIR_SYNC_CONCURRENCY` → 212 is covered in trigger-modes.test.ts.)
 */

let weir: TestWeir;
let target: CalloutTarget;

beforeAll(async () => {
  [weir, target] = await Promise.all([startTestWeir({}, { hasBackgroundTimers: false }), startCalloutTarget()]);
});

afterAll(async () => {
  await Promise.all([weir?.close(), target?.close()]);
});

/** Start → one slow Callout to `path`, with a task limit and a workflow run limit. */
function slowCallout(
  path: string,
  options: { taskLimit?: number; runLimit?: number; priority?: 'High' | 'Medium' | 'Low' } = {},
): WorkflowDocument {
  const document = oneCalloutWorkflow({ url: target.url(path) });
  const [callout] = document.tasks;
  if (!callout) throw new Error('no task');
  return {
    ...document,
    workflow: {
      ...document.workflow,
      ...(options.runLimit ? { concurrent_run_limit: options.runLimit } : {}),
      ...(options.priority ? { priority: options.priority } : {}),
    },
    tasks: [{ ...callout, concurrent_limit: options.taskLimit ?? 9999999 }],
  };
}

/** The gaps between consecutive requests to `path`, in ms. */
function gaps(path: string): number[] {
  const times = target.requestsTo(path).map((r) => r.receivedAt);
  return times.slice(1).map((time, i) => time - (times[i] ?? 0));
}

describe("a task's concurrent_limit", () => {
  it('never lets more instances of the task run at once than the limit; without one they run together', async () => {
    target.on('/limits/task-1', { delayMs: 400 });
    target.on('/limits/task-none', { delayMs: 1500 });
    const limited = await setupWorkflow(weir, slowCallout('/limits/task-1', { taskLimit: 1 }));
    const free = await setupWorkflow(weir, slowCallout('/limits/task-none'));
    const runs = await Promise.all([
      ...Array.from({ length: 4 }, () => limited.run()),
      ...Array.from({ length: 4 }, () => free.run()),
    ]);
    for (const run of runs) expect(run.status, run.text).toBe(200);
    for (const run of runs) await expectRunSucceeds(weir, run.body.id);
    expect(target.requestsTo('/limits/task-1')).toHaveLength(4);
    // One at a time: each request arrives after the previous one (400 ms) was answered.
    for (const gap of gaps('/limits/task-1')) expect(gap).toBeGreaterThanOrEqual(380);
    const freeTimes = target.requestsTo('/limits/task-none').map((r) => r.receivedAt);
    // Without a limit all four were called before the first was answered (1.5 s).
    expect(Math.max(...freeTimes) - Math.min(...freeTimes)).toBeLessThan(1400);
  });

  it('a limit of 2 runs two at a time', async () => {
    target.on('/limits/task-2', { delayMs: 800 });
    const limited = await setupWorkflow(weir, slowCallout('/limits/task-2', { taskLimit: 2 }));
    const runs = await Promise.all(Array.from({ length: 4 }, () => limited.run()));
    for (const run of runs) await expectRunSucceeds(weir, run.body.id);
    const times = target
      .requestsTo('/limits/task-2')
      .map((r) => r.receivedAt)
      .sort((a, b) => a - b);
    expect(times).toHaveLength(4);
    // Two start together; the next two only after the first two were answered.
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeLessThan(700);
    expect((times[2] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(780);
    expect((times[3] ?? 0) - (times[1] ?? 0)).toBeGreaterThanOrEqual(780);
  });
});

describe("a workflow's concurrent_run_limit", () => {
  it('runs past the limit stay Queued until a slot frees; /sync past it answers 212 and queues', async () => {
    const path = '/limits/runs';
    target.on(path, { delayMs: 600 });
    const workflow = await setupWorkflow(weir, slowCallout(path, { runLimit: 1 }));
    expect(workflow.workflow.concurrent_run_limit).toBe(1);
    const first = must(await workflow.run(), 200, 'first run');
    const second = must(await workflow.run(), 200, 'second run');
    const third = must(await workflow.run(), 200, 'third run');
    await target.waitForRequests(path, 1);
    const statuses = async () =>
      Object.fromEntries(
        (await listRuns(weir, { workflow_id: String(workflow.id) })).map((run) => [run.id, run.status]),
      );
    expect(await statuses()).toEqual({ [first.id]: 'Processing', [second.id]: 'Queued', [third.id]: 'Queued' });

    const sync = await workflow.sync();
    expect(sync.status, sync.text).toBe(212);
    expectRunMetadata(sync.body, workflow.id, ['Queued']);

    for (const run of [first, second, third, sync.body]) await expectRunSucceeds(weir, run.id);
    expect(target.requestsTo(path)).toHaveLength(4);
    for (const gap of gaps(path)) expect(gap).toBeGreaterThanOrEqual(580);
  });

  it('PATCH sets and clears the limit', async () => {
    const workflow = await setupWorkflow(weir, slowCallout('/limits/patch'));
    const set = must(await weir.api('PATCH', `/workflows/${workflow.id}`, { concurrent_run_limit: 3 }), 200, 'set');
    expect(set.concurrent_run_limit).toBe(3);
    const bad = await weir.api('PATCH', `/workflows/${workflow.id}`, { concurrent_run_limit: 0 });
    expect(bad.status).toBe(422);
    expect(bad.body.reasons[0].fieldName).toBe('concurrent_run_limit');
    const cleared = must(
      await weir.api('PATCH', `/workflows/${workflow.id}`, { concurrent_run_limit: null }),
      200,
      'clear',
    );
    expect(cleared.concurrent_run_limit).toBeNull();
    const exported = must(await weir.api('GET', `/workflows/${workflow.id}/export`), 200, 'export');
    expect(exported.workflow.concurrent_run_limit).toBeNull();
  });
});

describe('priority', () => {
  let single: TestWeir;

  beforeAll(async () => {
    single = await startTestWeir({ workerConcurrency: 1 }, { hasBackgroundTimers: false });
  });

  afterAll(async () => {
    await single?.close();
  });

  it('High runs are claimed before Medium before Low, whatever the order they were queued in', async () => {
    target.on('/priority/blocker', { delayMs: 700 });
    const blocker = await setupWorkflow(single, slowCallout('/priority/blocker'));
    const byPriority = {
      Low: await setupWorkflow(single, slowCallout('/priority/low', { priority: 'Low' })),
      Medium: await setupWorkflow(single, slowCallout('/priority/medium', { priority: 'Medium' })),
      High: await setupWorkflow(single, slowCallout('/priority/high', { priority: 'High' })),
    };
    // The only worker is busy; then Low, Medium, High are queued in that order.
    const blocking = must(await blocker.run(), 200, 'blocker');
    await target.waitForRequests('/priority/blocker', 1);
    const queued = [];
    for (const level of ['Low', 'Medium', 'Low', 'High', 'Medium', 'High'] as const) {
      queued.push(must(await byPriority[level].run(), 200, `${level} run`));
    }
    for (const run of [blocking, ...queued]) await expectRunSucceeds(single, run.id);
    const order = target.requests
      .filter((r) => r.path.startsWith('/priority/') && r.path !== '/priority/blocker')
      .map((r) => r.path.replace('/priority/', ''));
    expect(order).toEqual(['high', 'high', 'medium', 'medium', 'low', 'low']);
  });
});
