import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import { expectRunSucceeds, waitForRun } from './helpers/runs.js';
import { must, setupWorkflow } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { taskInstanceNamed } from './helpers/task-instances.js';
import {
  failingCalloutWorkflow,
  link,
  oneCalloutWorkflow,
  responseFormatterWorkflow,
  start,
  task,
  uniqueName,
  workflowDocument,
} from './helpers/workflows.js';

/**
 * issue 12 "Traces": with `WEIR_OTEL_ENABLED`, a span per trigger request, run and task instance,
 * read from an in-memory exporter; a trigger's W3C `traceparent` is the parent of its spans, and a
 * callout sends its task instance's `traceparent` to the target. Real HTTP throughout.
 */

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-0[01]$/;

describe('traces', () => {
  let weir: TestWeir;
  let target: CalloutTarget;
  const exporter = new InMemorySpanExporter();

  beforeAll(async () => {
    target = await startCalloutTarget();
    weir = await startTestWeir({ otelEnabled: true }, { spanExporter: exporter });
  });

  afterAll(async () => {
    await Promise.all([weir?.close(), target?.close()]);
  });

  const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
  const traceOf = (traceId: string): ReadableSpan[] => spans().filter((s) => s.spanContext().traceId === traceId);
  const idOf = (span: ReadableSpan | undefined): string | undefined => span?.spanContext().spanId;
  const parentOf = (span: ReadableSpan | undefined): string | undefined => span?.parentSpanContext?.spanId;

  /** What `find` finds, once it finds it (a span is exported when it ends, just after the answer). */
  async function eventually<T>(find: () => T | undefined): Promise<T> {
    await expect.poll(() => find() !== undefined, { timeout: 10_000 }).toBe(true);
    return find() as T;
  }

  /** The spans of one run, once its run span has ended. */
  async function runSpans(runId: number): Promise<{ run: ReadableSpan; all: ReadableSpan[] }> {
    await expect
      .poll(() => spans().filter((s) => s.name === 'run' && s.attributes['weir.run.id'] === runId).length, {
        timeout: 10_000,
      })
      .toBe(1);
    const run = spans().find((s) => s.name === 'run' && s.attributes['weir.run.id'] === runId) as ReadableSpan;
    return { run, all: traceOf(run.spanContext().traceId) };
  }

  it('a standard trigger with a traceparent: trigger, run and task spans in its trace, and the callout carries it on', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    const workflow = await setupWorkflow(weir, oneCalloutWorkflow({ url: target.url('/traced') }));
    const queued = must(
      await workflow.run({ headers: { traceparent: `00-${traceId}-${callerSpanId}-01` } }),
      200,
      'traced /run',
    );
    await expectRunSucceeds(weir, queued.id);
    const { run, all } = await runSpans(queued.id);

    const trigger = all.find((s) => s.kind === SpanKind.SERVER);
    expect(trigger?.name).toBe('POST /api/v1/workflows/:id/run');
    expect(parentOf(trigger)).toBe(callerSpanId);
    expect(trigger?.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/api/v1/workflows/:id/run',
      'url.path': `/api/v1/workflows/${workflow.id}/run`,
      'http.response.status_code': 200,
      'weir.workflow.id': workflow.id,
      'weir.run.id': queued.id,
    });

    expect(run.spanContext().traceId).toBe(traceId);
    expect(parentOf(run)).toBe(idOf(trigger));
    expect(run.attributes).toMatchObject({
      'weir.workflow.id': workflow.id,
      'weir.run.id': queued.id,
      'weir.run.name': queued.name,
      'weir.run.mode': 'standard',
      'weir.run.status': 'Finished',
      'weir.run.result': 'Success',
    });

    const instance = await taskInstanceNamed(weir, queued.id, 'Call the target');
    const taskSpan = all.find((s) => s.name === 'task Callout');
    expect(parentOf(taskSpan)).toBe(idOf(run));
    expect(taskSpan?.attributes).toMatchObject({
      'weir.workflow.id': workflow.id,
      'weir.run.id': queued.id,
      'weir.task_instance.id': instance.id,
      'weir.task.name': 'Call the target',
      'weir.action_type': 'Callout',
      'weir.task_instance.attempt': 1,
      'weir.task_instance.status': 'Success',
    });
    expect(taskSpan?.status.code).toBe(SpanStatusCode.UNSET);

    // The target was called inside the task span: its traceparent names the trigger's trace and that span.
    const [request] = target.requestsTo('/traced');
    const match = TRACEPARENT.exec(String(request?.headers.traceparent));
    expect(match?.[1]).toBe(traceId);
    expect(match?.[2]).toBe(idOf(taskSpan));
    expect(all.map((s) => s.name).sort()).toEqual(['POST /api/v1/workflows/:id/run', 'run', 'task Callout']);
  });

  it('a responsive trigger without one: a new trace, with each task instance under the run', async () => {
    const workflow = await setupWorkflow(
      weir,
      responseFormatterWorkflow({ liquidCode: '{% assign x = 1 %}', template: '{"ok": true}' }),
    );
    const answer = await workflow.sync();
    expect(answer.status).toBe(200);
    const triggerSpan = await eventually(() =>
      spans().find((s) => s.kind === SpanKind.SERVER && s.attributes['weir.workflow.id'] === workflow.id),
    );
    expect(parentOf(triggerSpan)).toBeUndefined();
    const runId = triggerSpan?.attributes['weir.run.id'] as number;
    const { run, all } = await runSpans(runId);
    expect(parentOf(run)).toBe(idOf(triggerSpan));
    expect(run.attributes['weir.run.mode']).toBe('sync');
    const tasks = all.filter((s) => s.name.startsWith('task '));
    expect(tasks.map((s) => s.name).sort()).toEqual(['task Logic::Liquid', 'task Logic::ResponseFormatter']);
    for (const span of tasks) expect(parentOf(span)).toBe(idOf(run));
    // The run ended before the answer did, and so before the trigger's span (to the millisecond: the two
    // spans' end times are taken on different code paths, a fraction of a millisecond apart at most).
    expect(hrMs(run.endTime)).toBeLessThanOrEqual(hrMs(triggerSpan?.endTime) + 1);
  });

  it('a task error and a failed run are spans with an error status', async () => {
    target.on('/traced-fails', { status: 500 });
    const workflow = await setupWorkflow(
      weir,
      failingCalloutWorkflow({ url: target.url('/traced-fails'), hasFailureBranch: false }),
    );
    const queued = must(await workflow.run(), 200, '/run');
    await waitForRun(weir, queued.id);
    const { run, all } = await runSpans(queued.id);
    const taskSpan = all.find((s) => s.name === 'task Callout');
    expect(taskSpan?.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'Callout response was 500 after 1 tries.',
    });
    expect(taskSpan?.attributes).toMatchObject({
      'weir.task_instance.status': 'Error',
      'weir.error_class': 'WorkflowError::Callout',
    });
    expect(run.status.code).toBe(SpanStatusCode.ERROR);
    expect(run.attributes['weir.run.result']).toBe('Error');
  });

  it('a sub-run is a child of the task instance that started it', async () => {
    const child = await setupWorkflow(weir, responseFormatterWorkflow({ template: '{"child": true}' }));
    const parent = await setupWorkflow(
      weir,
      workflowDocument({
        name: uniqueName('calls a child'),
        tasks: [
          task.raw(1, 'Call child', 'Execute::WorkflowTask', { workflow_id: String(child.id) }),
          task.liquid(2, 'After', '{% assign after = 1 %}'),
        ],
        linkages: [start(1), link(1, 2)],
      }),
    );
    const queued = must(await parent.run(), 200, 'parent /run');
    await expectRunSucceeds(weir, queued.id);
    const { all } = await runSpans(queued.id);
    const childRun = all.find((s) => s.name === 'run' && s.attributes['weir.workflow.id'] === child.id);
    expect(childRun?.attributes['weir.run.mode']).toBe('sub_run');
    const caller = all.find(
      (s) => s.name === 'task Execute::WorkflowTask' && s.attributes['weir.run.id'] === queued.id,
    );
    expect(parentOf(childRun)).toBe(idOf(caller));
    const childTask = all.find((s) => s.name === 'task Logic::ResponseFormatter');
    expect(parentOf(childTask)).toBe(idOf(childRun));
  });
});

describe('traces off (the default)', () => {
  let weir: TestWeir;
  let target: CalloutTarget;

  beforeAll(async () => {
    target = await startCalloutTarget();
    weir = await startTestWeir();
  });

  afterAll(async () => {
    await Promise.all([weir?.close(), target?.close()]);
  });

  it('sends no traceparent with callouts, and ignores one on the trigger', async () => {
    const workflow = await setupWorkflow(weir, oneCalloutWorkflow({ url: target.url('/untraced') }));
    const queued = must(
      await workflow.run({ headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } }),
      200,
      '/run',
    );
    await expectRunSucceeds(weir, queued.id);
    const [request] = target.requestsTo('/untraced');
    expect(request?.headers).not.toHaveProperty('traceparent');
  });
});

function hrMs(time: [number, number] | undefined): number {
  return time === undefined ? Number.NaN : time[0] * 1000 + time[1] / 1e6;
}
