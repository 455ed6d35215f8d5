import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import { captureLog, LEVEL, type LogCapture, type LogLine } from './helpers/log-capture.js';
import { RUN_NAME, waitForRun } from './helpers/runs.js';
import { must, setupWorkflow } from './helpers/setup-workflow.js';
import { startTestWeir, type TestWeir } from './helpers/start-weir.js';
import { taskInstanceNamed, taskInstancesOf } from './helpers/task-instances.js';
import {
  failingCalloutWorkflow,
  oneCalloutWorkflow,
  responseFormatterWorkflow,
  uniqueName,
} from './helpers/workflows.js';

/**
 * issue 12 "Logs": one structured line (pino JSON) per run start, task error, retry and run finish,
 * naming the workflow, the run (id and number) and the task instance; access logs at `debug`; start
 * and ready lines saying what they did. The log is captured from the logger's destination.
 */
describe('the log of a Weir at debug', () => {
  let weir: TestWeir;
  let target: CalloutTarget;
  let log: LogCapture;

  beforeAll(async () => {
    log = captureLog();
    target = await startCalloutTarget();
    weir = await startTestWeir({ logLevel: 'debug' }, { logDestination: log.destination });
  });

  afterAll(async () => {
    await Promise.all([weir?.close(), target?.close()]);
  });

  /** Waits until a line `msg` with `fields` was written (the engine writes just after its commit). */
  async function lineOf(msg: string, fields: Record<string, unknown>): Promise<LogLine> {
    await expect.poll(() => log.find(msg, fields).length, { timeout: 10_000 }).toBe(1);
    return log.find(msg, fields)[0] as LogLine;
  }

  it('says what starting did: the version and database, each migration, then where it listens', () => {
    const lines = log.lines();
    const starting = lines.findIndex((line) => line.msg === 'starting Weir');
    const ready = lines.findIndex((line) => line.msg === 'Weir is ready');
    expect(starting).toBeGreaterThanOrEqual(0);
    expect(ready).toBeGreaterThan(starting);
    expect(lines[starting]).toMatchObject({ level: LEVEL.info, version: '0.1.0', pid: process.pid, logLevel: 'debug' });
    // A fresh database: every migration is applied, each said, between the two.
    const migrations = lines.filter((line) => line.msg === 'applied a schema migration');
    expect(migrations.length).toBeGreaterThanOrEqual(2);
    for (const line of migrations) {
      expect(line.migration).toMatch(/^\d{3}-[a-z0-9-]+\.sql$/);
      expect(lines.indexOf(line)).toBeGreaterThan(starting);
      expect(lines.indexOf(line)).toBeLessThan(ready);
    }
    expect(lines[ready]).toMatchObject({
      level: LEVEL.info,
      url: weir.url,
      node: expect.stringMatching(/^node-/),
      recovered: 0,
      bootstrapClientId: 'test-admin',
      workerConcurrency: 32,
      tracing: 'off',
      startupMs: expect.any(Number),
    });
  });

  it('writes run started and run finished lines for a standard and a responsive run', async () => {
    const workflow = await setupWorkflow(weir, responseFormatterWorkflow({ template: '{"ok": true}' }));
    const queued = must(await workflow.run(), 200, '/run');
    await waitForRun(weir, queued.id);
    const started = await lineOf('run started', { runId: queued.id });
    expect(started).toMatchObject({
      level: LEVEL.info,
      workflowId: workflow.id,
      runName: queued.name,
      mode: 'standard',
    });
    expect(started.runName).toMatch(RUN_NAME);
    const finished = await lineOf('run finished', { runId: queued.id });
    expect(finished).toMatchObject({
      level: LEVEL.info,
      workflowId: workflow.id,
      runName: queued.name,
      status: 'Finished',
      result: 'Success',
      durationMs: expect.any(Number),
    });
    expect(finished).not.toHaveProperty('errorClass');
    const lines = log.lines();
    const at = (msg: string): number => lines.findIndex((line) => line.msg === msg && line.runId === queued.id);
    expect(at('run started')).toBeLessThan(at('run finished'));

    expect((await workflow.sync()).status).toBe(200);
    const syncLines = log.find('run started', { workflowId: workflow.id, mode: 'sync' });
    expect(syncLines).toHaveLength(1);
    await lineOf('run finished', { runId: syncLines[0]?.runId, result: 'Success' });
  });

  it('writes a task error as warn, with the task instance, and the run finishing with Error', async () => {
    target.on('/refuses', { status: 503 });
    const workflow = await setupWorkflow(
      weir,
      failingCalloutWorkflow({ url: target.url('/refuses'), hasFailureBranch: false }),
    );
    const run = await waitForRun(weir, must(await workflow.run(), 200, '/run').id);
    const instance = await taskInstanceNamed(weir, run.id, 'Call a failing target');
    const failed = await lineOf('task instance failed', { taskInstanceId: instance.id });
    expect(failed).toEqual({
      level: LEVEL.warn,
      time: expect.any(Number),
      pid: process.pid,
      hostname: expect.any(String),
      msg: 'task instance failed',
      workflowId: workflow.id,
      runId: run.id,
      runName: run.name,
      taskInstanceId: instance.id,
      taskId: expect.any(Number),
      task: 'Call a failing target',
      actionType: 'Callout',
      attempt: 1,
      errorClass: 'WorkflowError::Callout',
      errorMessage: instance.error,
      isHandled: false,
    });
    expect(failed.errorMessage).toBe('Callout response was 503 after 1 tries.');
    const finished = await lineOf('run finished', { runId: run.id });
    expect(finished).toMatchObject({ level: LEVEL.warn, result: 'Error', errorClass: 'WorkflowError::Callout' });
  });

  it('writes a handled task error (a Failure branch takes it) at info', async () => {
    target.on('/refuses-handled', { status: 500 });
    const workflow = await setupWorkflow(
      weir,
      failingCalloutWorkflow({ url: target.url('/refuses-handled'), hasFailureBranch: true }),
    );
    const run = await waitForRun(weir, must(await workflow.run(), 200, '/run').id);
    expect(run.result).toBe('Success');
    const instance = await taskInstanceNamed(weir, run.id, 'Call a failing target');
    expect(await lineOf('task instance failed', { taskInstanceId: instance.id })).toMatchObject({
      level: LEVEL.info,
      isHandled: true,
    });
    expect(await lineOf('run finished', { runId: run.id })).toMatchObject({ level: LEVEL.info, result: 'Success' });
  });

  it('writes a retry line per attempt that will be tried again, with the reason and when', async () => {
    target.on('/flaky', (_request, index) => (index === 0 ? { status: 502 } : { status: 200 }));
    const workflow = await setupWorkflow(
      weir,
      oneCalloutWorkflow({
        name: uniqueName('flaky'),
        url: target.url('/flaky'),
        retry: { count: 2, windowMinutes: 0.02 },
      }),
    );
    const run = await waitForRun(weir, must(await workflow.run(), 200, '/run').id);
    expect(run.result).toBe('Success');
    const [instance] = await taskInstancesOf(weir, run.id);
    const retry = await lineOf('task instance will retry', { taskInstanceId: instance?.id });
    expect(retry).toMatchObject({
      level: LEVEL.info,
      workflowId: workflow.id,
      runId: run.id,
      runName: run.name,
      actionType: 'Callout',
      attempt: 1,
      reason: 'status 502',
      dueAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
    expect(log.find('task instance failed', { runId: run.id })).toEqual([]);
  });

  it('writes one access line per request at debug, without the query string', async () => {
    const workflow = await setupWorkflow(weir, responseFormatterWorkflow({ template: '{"ok": true}' }));
    const answer = await workflow.run({ query: { note: 'private-input-value' } });
    expect(answer.status).toBe(200);
    const requestId = answer.headers['weir-request-id'];
    const line = await lineOf('request answered', { reqId: requestId });
    expect(line).toMatchObject({
      level: LEVEL.debug,
      method: 'POST',
      path: `/api/v1/workflows/${workflow.id}/run`,
      route: '/api/v1/workflows/:id/run',
      statusCode: 200,
      ms: expect.any(Number),
      remoteAddress: '127.0.0.1',
    });
    expect(log.text()).not.toContain('private-input-value');
    // Every request gets one: the management calls above too.
    expect(log.find('request answered', { route: '/workflows/import' }).length).toBeGreaterThanOrEqual(1);
  });
});

describe('the log of a Weir at info', () => {
  let weir: TestWeir;
  let log: LogCapture;

  beforeAll(async () => {
    log = captureLog();
    weir = await startTestWeir({ logLevel: 'info' }, { logDestination: log.destination });
  });

  afterAll(async () => {
    await weir?.close();
  });

  it('has the run lines but no access lines', async () => {
    const workflow = await setupWorkflow(weir, responseFormatterWorkflow({ template: '{"ok": true}' }));
    expect((await workflow.sync()).status).toBe(200);
    await expect.poll(() => log.find('run finished', { workflowId: workflow.id }).length).toBe(1);
    expect(log.find('request answered')).toEqual([]);
    expect(log.lines().every((line) => line.level >= LEVEL.info)).toBe(true);
  });
});
