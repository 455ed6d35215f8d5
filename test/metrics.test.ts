import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from './helpers/http.js';
import { parsePrometheus, type PrometheusText } from './helpers/prometheus.js';
import { sleep, waitForRun } from './helpers/runs.js';
import { must, setupWorkflow, trigger } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { delayWorkflow, responseFormatterWorkflow } from './helpers/workflows.js';

const PACKAGE_VERSION = '0.1.0';

/** issue 12 "Metrics": `GET /metrics` in Prometheus text, behind a bearer token, counters that move. */
describe('GET /metrics', () => {
  let weir: TestWeir;

  beforeAll(async () => {
    weir = await startTestWeir();
  });

  afterAll(async () => {
    await weir?.close();
  });

  async function scrape(): Promise<PrometheusText> {
    const answer = await weir.api('GET', '/metrics');
    expect(answer.status, answer.text).toBe(200);
    expect(answer.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parsePrometheus(answer.text);
  }

  it('needs a bearer token (401 without, in the envelope) and parses as Prometheus text with process metrics', async () => {
    const anonymous = await weir.api('GET', '/metrics', undefined, { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors[0]).toMatchObject({ status: 401, code: 'invalid_token' });

    const metrics = await scrape();
    expect(metrics.value('weir_build_info', { version: PACKAGE_VERSION })).toBe(1);
    expect(metrics.types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(metrics.value('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(metrics.value('nodejs_heap_size_used_bytes')).toBeGreaterThan(1_000_000);
    expect(metrics.types.get('weir_triggers_total')).toBe('counter');
    expect(metrics.value('weir_sync_waiters_in_flight')).toBe(0);
    // The engine's metrics are there from the start (test/engine-metrics.test.ts watches them move).
    for (const name of [
      'weir_run_waiters',
      'weir_runs_started_total',
      'weir_runs_finished_total',
      'weir_task_instance_duration_seconds',
      'weir_claim_duration_seconds',
      'weir_commit_batch_size',
      'weir_commit_batch_duration_seconds',
    ]) {
      expect(metrics.types.has(name), name).toBe(true);
    }
  });

  it('counts trigger answers by mode and status code', async () => {
    const workflow = await setupWorkflow(weir, responseFormatterWorkflow({ template: '{"ok": true}', code: 201 }));
    const before = await scrape();
    const count = (m: PrometheusText, mode: string, code: string): number =>
      m.value('weir_triggers_total', { mode, code }) ?? 0;

    expect((await workflow.run()).status).toBe(200);
    expect((await workflow.run()).status).toBe(200);
    expect((await workflow.sync()).status).toBe(201);
    expect((await trigger(weir.url, workflow.id, 'run', { auth: { apiToken: 'wrong' } })).status).toBe(401);
    expect((await trigger(weir.url, workflow.id, 'sync', { method: 'PUT' })).status).toBe(405);
    // Not a trigger: not counted.
    must(await weir.api('POST', `/workflows/${workflow.id}/run`, {}), 200, 'management run');

    const after = await scrape();
    expect(count(after, 'standard', '200') - count(before, 'standard', '200')).toBe(2);
    expect(count(after, 'sync', '201') - count(before, 'sync', '201')).toBe(1);
    expect(count(after, 'standard', '401') - count(before, 'standard', '401')).toBe(1);
    expect(count(after, 'sync', '405') - count(before, 'sync', '405')).toBe(1);
    const durations = after.value('weir_trigger_duration_seconds_count', { mode: 'standard' }) ?? 0;
    expect(durations - (before.value('weir_trigger_duration_seconds_count', { mode: 'standard' }) ?? 0)).toBe(3);
  });

  it('shows the queue at scrape time: a run held back by its run limit is queued, and its wait ages', async () => {
    // Runs the earlier tests triggered in standard mode drain first (slower on PostgreSQL).
    await expect
      .poll(async () => (await scrape()).value('weir_queue_depth', { state: 'queued' }), { timeout: 15_000 })
      .toBe(0);
    const idle = await scrape();
    expect(idle.value('weir_queue_depth', { state: 'queued' })).toBe(0);
    expect(idle.value('weir_queue_depth', { state: 'due' })).toBe(0);
    expect(idle.value('weir_queue_oldest_due_age_seconds')).toBe(0);

    const document = delayWorkflow({ seconds: 600 });
    document.workflow.concurrent_run_limit = 1;
    const workflow = await setupWorkflow(weir, document);
    const first = must(await workflow.run(), 200, 'first run');
    await waitForRun(weir, first.id, { until: (run) => run.status === 'Pending' });
    // The second run's entry task instance stays Queued while the first run is in flight.
    const second = must(await workflow.run(), 200, 'second run');
    await sleep(300);
    const held = await scrape();
    expect(held.value('weir_queue_depth', { state: 'queued' })).toBe(1);
    expect(held.value('weir_queue_depth', { state: 'due' })).toBe(0);
    const age = held.value('weir_queue_oldest_due_age_seconds') ?? -1;
    expect(age).toBeGreaterThan(0);
    await sleep(1_100);
    expect((await scrape()).value('weir_queue_oldest_due_age_seconds')).toBeGreaterThanOrEqual(age + 1);

    must(await weir.api('PUT', `/workflows/workflow_runs/${second.id}/stop`), 200, 'stop second');
    must(await weir.api('PUT', `/workflows/workflow_runs/${first.id}/stop`), 200, 'stop first');
    await waitForRun(weir, second.id);
    expect((await scrape()).value('weir_queue_depth', { state: 'queued' })).toBe(0);
  });

  it('reports the version on GET /health', async () => {
    const health = await httpRequest(`${weir.url}/health`);
    expect(health.status).toBe(200);
    expect(health.body).toEqual({
      status: 'ok',
      node: expect.any(String),
      version: PACKAGE_VERSION,
      store: { status: 'ok' },
    });
  });
});

describe('GET /metrics with WEIR_METRICS_PUBLIC=true', () => {
  let weir: TestWeir;

  beforeAll(async () => {
    weir = await startTestWeir({ metricsPublic: true });
  });

  afterAll(async () => {
    await weir?.close();
  });

  it('answers without a token', async () => {
    const answer = await httpRequest(`${weir.url}/metrics`);
    expect(answer.status).toBe(200);
    expect(parsePrometheus(answer.text).value('weir_build_info', { version: PACKAGE_VERSION })).toBe(1);
  });
});
