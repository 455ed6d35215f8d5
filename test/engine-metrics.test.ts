import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDocument } from '../src/model/workflow-document.js';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import { parsePrometheus, type PrometheusText } from './helpers/prometheus.js';
import { expectRunSucceeds, waitForRun } from './helpers/runs.js';
import { must, setupWorkflow } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import {
  delayWorkflow,
  failingCalloutWorkflow,
  oneCalloutWorkflow,
  responseFormatterWorkflow,
  start,
  task,
  uniqueName,
  workflowDocument,
} from './helpers/workflows.js';

/**
 * issue 12 "Metrics fed by the engine": the run, task instance, claim and group-commit metrics of
 * `GET /metrics` move exactly as runs happen, by mode, result and action type. A Weir of its own
 * (nothing else runs in it) whose scheduler acts only when ticked.
 */
describe('metrics fed by the engine', () => {
  let weir: TestWeir;
  let target: CalloutTarget;

  beforeAll(async () => {
    target = await startCalloutTarget();
    weir = await startTestWeir({}, { hasBackgroundTimers: false });
  });

  afterAll(async () => {
    await Promise.all([weir?.close(), target?.close()]);
  });

  async function scrape(): Promise<PrometheusText> {
    const answer = await weir.api('GET', '/metrics');
    expect(answer.status, answer.text).toBe(200);
    return parsePrometheus(answer.text);
  }

  const started = (m: PrometheusText, mode: string): number | undefined => m.value('weir_runs_started_total', { mode });
  const finished = (m: PrometheusText, result: string): number | undefined =>
    m.value('weir_runs_finished_total', { result });
  const taskCount = (m: PrometheusText, actionType: string): number =>
    m.value('weir_task_instance_duration_seconds_count', { action_type: actionType }) ?? 0;
  const taskSum = (m: PrometheusText, actionType: string): number =>
    m.value('weir_task_instance_duration_seconds_sum', { action_type: actionType }) ?? 0;

  it('counts runs by mode and result, task instance time by action type, claims and group commits', async () => {
    const idle = await scrape();
    // Every series of the closed sets is there from the start, at 0.
    for (const mode of ['standard', 'sync', 'scheduled', 'sub_run']) expect(started(idle, mode), mode).toBe(0);
    for (const result of ['Success', 'Error', 'Stopped']) expect(finished(idle, result), result).toBe(0);
    // The claim loop's first look, at start, found nothing.
    const idleClaims = idle.value('weir_claim_duration_seconds_count') ?? -1;
    expect(idleClaims).toBeGreaterThanOrEqual(1);

    target.on('/slow', { delayMs: 150 });
    target.on('/fails', { status: 500 });
    const liquid = await setupWorkflow(
      weir,
      responseFormatterWorkflow({ liquidCode: '{% assign x = 1 %}', template: '{"ok": true}' }),
    );
    const callout = await setupWorkflow(weir, oneCalloutWorkflow({ url: target.url('/slow') }));
    const failing = await setupWorkflow(
      weir,
      failingCalloutWorkflow({ url: target.url('/fails'), hasFailureBranch: false }),
    );
    const delayed = await setupWorkflow(weir, delayWorkflow({ seconds: 600 }));
    const child = await setupWorkflow(weir, responseFormatterWorkflow({ template: '{"child": true}' }));
    const caller = await setupWorkflow(
      weir,
      workflowDocument({
        name: uniqueName('calls a child'),
        tasks: [task.raw(1, 'Call child', 'Execute::WorkflowTask', { workflow_id: String(child.id) })],
        linkages: [start(1)],
      }),
    );
    const scheduled = scheduledLiquidWorkflow();
    must(await weir.api('POST', '/workflows/import?activate=true', scheduled), 200, 'import the scheduled workflow');

    // Responsive: 2 runs, each a Liquid and a response formatter task, Success.
    expect((await liquid.sync()).status).toBe(200);
    expect((await liquid.sync()).status).toBe(200);
    // Standard: 4 runs, Success (Liquid), Success (a 150 ms callout), Error (a callout answered 500), Stopped.
    await expectRunSucceeds(weir, must(await liquid.run(), 200, 'liquid /run').id);
    await expectRunSucceeds(weir, must(await callout.run(), 200, 'callout /run').id);
    const failed = await waitForRun(weir, must(await failing.run(), 200, 'failing /run').id);
    expect(failed.result).toBe('Error');
    const waiting = must(await delayed.run(), 200, 'delayed /run');
    await waitForRun(weir, waiting.id, { until: (run) => run.status === 'Pending' });
    must(await weir.api('PUT', `/workflows/workflow_runs/${waiting.id}/stop`), 200, 'stop');
    expect((await waitForRun(weir, waiting.id)).status).toBe('Stopped');
    // A standard run whose task starts a sub-run and waits for it: both Success.
    await expectRunSucceeds(weir, must(await caller.run(), 200, 'caller /run').id);
    // Scheduled: the instants since the import, missed, fire once (the latest).
    const tick = await weir.running.scheduler.tick(Date.now() + 5_000);
    const fired = tick.fired.filter((f) => f.result.outcome === 'started');
    expect(fired).toHaveLength(1);
    const firedRun = fired[0]?.result;
    await expectRunSucceeds(weir, firedRun?.outcome === 'started' ? firedRun.run.id : 0);

    // The last run's end is counted just after its commit, which the API may see first.
    await expect.poll(async () => finished(await scrape(), 'Success'), { timeout: 10_000 }).toBe(7);
    const after = await scrape();
    expect(started(after, 'standard')).toBe(5);
    expect(started(after, 'sync')).toBe(2);
    expect(started(after, 'scheduled')).toBe(1);
    expect(started(after, 'sub_run')).toBe(1);
    expect(finished(after, 'Success')).toBe(7);
    expect(finished(after, 'Error')).toBe(1);
    expect(finished(after, 'Stopped')).toBe(1);

    // Liquid: 3 trigger runs and the scheduled one; the formatter: 3 and the sub-run's; Callout: 2 (one
    // waited 150 ms); Delay: its first attempt (the run was stopped while it waited); the sub-run's
    // caller: the attempt that started it and the one that read its end.
    expect(taskCount(after, 'Logic::Liquid')).toBe(4);
    expect(taskCount(after, 'Logic::ResponseFormatter')).toBe(4);
    expect(taskCount(after, 'Execute::WorkflowTask')).toBe(2);
    expect(taskCount(after, 'Callout')).toBe(2);
    expect(taskCount(after, 'Delay')).toBe(1);
    expect(taskSum(after, 'Callout')).toBeGreaterThanOrEqual(0.15);
    expect(taskSum(after, 'Logic::Liquid')).toBeLessThan(taskSum(after, 'Callout'));
    expect(after.types.get('weir_task_instance_duration_seconds')).toBe('histogram');
    const liquidBuckets = after.samples.filter(
      (s) => s.name === 'weir_task_instance_duration_seconds_bucket' && s.labels.action_type === 'Logic::Liquid',
    );
    expect(liquidBuckets.find((s) => s.labels.le === '+Inf')?.value).toBe(4);

    // Standard runs' task instances were claimed from the queue: each claim is timed.
    expect(after.value('weir_claim_duration_seconds_count')).toBeGreaterThanOrEqual(idleClaims + 4);
    const batches = after.value('weir_commit_batch_size_count') ?? 0;
    const writes = after.value('weir_commit_batch_size_sum') ?? 0;
    // Every run, completion and claim above went through the store's group commit (SQLite's WriteBatcher,
    // PostgreSQL's PgWriteBatcher: there, the queue's transactions and run creations).
    expect(batches).toBeGreaterThan(10);
    expect(writes).toBeGreaterThanOrEqual(batches);
    expect(after.value('weir_commit_batch_duration_seconds_count')).toBe(batches);
  });

  it('shows a responsive run in flight as a sync waiter and a run waiter', async () => {
    target.on('/held', { delayMs: 3_000 });
    const held = await setupWorkflow(weir, oneCalloutWorkflow({ url: target.url('/held') }));
    expect((await scrape()).value('weir_run_waiters')).toBe(0);
    const answer = held.sync();
    await target.waitForRequests('/held', 1);
    const during = await scrape();
    expect(during.value('weir_sync_waiters_in_flight')).toBe(1);
    expect(during.value('weir_run_waiters')).toBe(1);
    expect((await answer).status).toBe(200);
    const afterwards = await scrape();
    expect(afterwards.value('weir_sync_waiters_in_flight')).toBe(0);
    expect(afterwards.value('weir_run_waiters')).toBe(0);
  });
});

/** Start → Logic::Liquid, scheduled every second (UTC). */
function scheduledLiquidWorkflow(): WorkflowDocument {
  const document = workflowDocument({
    name: uniqueName('scheduled metrics'),
    tasks: [task.liquid(1, 'Tick', '{% assign tick = 1 %}')],
    linkages: [start(1)],
  });
  return {
    ...document,
    workflow: { ...document.workflow, scheduled_trigger: true, interval: '* * * * * *', timezone: 'UTC' },
  };
}
