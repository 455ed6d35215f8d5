import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from './helpers/assertions.js';
import { httpRequest } from './helpers/http.js';
import { pollUntil, sleep } from './helpers/runs.js';
import { must, setupWorkflow, type ApiClient } from './helpers/setup-workflow.js';
import { startWeirProcess, type WeirProcess } from './helpers/weir-process.js';
import { oneCalloutWorkflow } from './helpers/workflows.js';

/**
 * Issue 10 point 5: on SIGTERM, `weir serve` stops claiming at once (before: 68 callouts started after
 * it), answers new requests 503 with `Retry-After`, closes idle keep-alive connections at once (before:
 * 74-99 s waiting on them), lets in-flight task instances finish within WEIR_SHUTDOWN_GRACE_SECONDS,
 * then aborts the callouts still in flight and releases their instances (before: not aborted, so they
 * ran twice, half-done), and exits within grace + 5 s, logging each step. A second signal exits at once.
 */

/** One request the slow target received, and what became of it. */
interface Hit {
  path: string;
  at: number;
  /** The caller closed the connection before the answer (an aborted callout). */
  isAborted: boolean;
  isAnswered: boolean;
}

/** A callout target whose answers take `delays[path]` ms; it records when each request came and how it ended. */
async function startSlowTarget(delays: Record<string, number>) {
  const hits: Hit[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const hit: Hit = { path: req.url ?? '', at: Date.now(), isAborted: false, isAnswered: false };
    hits.push(hit);
    req.resume();
    res.on('close', () => {
      if (!res.writableFinished) hit.isAborted = true;
    });
    const timer = setTimeout(() => {
      timers.delete(timer);
      hit.isAnswered = true;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok": true}');
    }, delays[hit.path] ?? 0);
    timers.add(timer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    hits,
    delays,
    url: (p: string) => `http://127.0.0.1:${port}${p}`,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

type SlowTarget = Awaited<ReturnType<typeof startSlowTarget>>;

/** The pino lines of a process's output whose `msg` starts with `shutdown:`. */
function shutdownLines(weir: WeirProcess): Array<Record<string, unknown>> {
  return weir
    .output()
    .split('\n')
    .flatMap((line) => {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        return typeof parsed.msg === 'string' && parsed.msg.startsWith('shutdown:') ? [parsed] : [];
      } catch {
        return [];
      }
    });
}

/** Resolves with the exit code (or signal) and when it came. */
function exitOf(weir: WeirProcess): Promise<{ code: number | null; at: number }> {
  return new Promise((resolve) => {
    if (weir.child.exitCode !== null) resolve({ code: weir.child.exitCode, at: Date.now() });
    weir.child.once('exit', (code) => resolve({ code, at: Date.now() }));
  });
}

async function runsOf(client: ApiClient, workflowId: number) {
  return must(await client.api('GET', `/workflows/workflow_runs?workflow_id=${workflowId}&page_length=50`), 200, 'runs')
    .data as Array<{ id: number; status: string; result?: string }>;
}

let target: SlowTarget;
const dirs: string[] = [];
const processes: WeirProcess[] = [];

beforeAll(async () => {
  target = await startSlowTarget({ '/slow': 60_000, '/quick': 1_500, '/hang': 60_000 });
});

afterEach(async () => {
  for (const weir of processes.splice(0)) await weir.kill();
});

afterAll(async () => {
  await target?.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function serve(dataDir: string, env: Record<string, string>): Promise<WeirProcess> {
  const weir = await startWeirProcess({ dataDir, logLevel: 'info', outputLimit: 200_000, env });
  processes.push(weir);
  return weir;
}

describe('SIGTERM with slow callouts in flight and work queued', () => {
  it('claims nothing new, answers 503, closes idle sockets, aborts and releases at the grace, exits in time', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'weir-shutdown-'));
    dirs.push(dataDir);
    const graceSeconds = 2;
    const weir = await serve(dataDir, {
      WEIR_SHUTDOWN_GRACE_SECONDS: String(graceSeconds),
      WEIR_WORKER_CONCURRENCY: '2',
    });
    const client = await weir.client();
    const workflow = await setupWorkflow(client, oneCalloutWorkflow({ url: target.url('/slow') }));
    for (let i = 0; i < 6; i += 1) must(await workflow.run(), 200, 'a standard run');
    await pollUntil(async () => (target.hits.length >= 2 ? true : undefined), {
      timeoutMs: 20_000,
      description: 'two callouts in flight',
    });
    await sleep(300);
    expect(target.hits.length).toBe(2);

    // A keep-alive client that made a request and now sits idle on its socket.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let idleSocketClosedAt: number | undefined;
    await new Promise<void>((resolve, reject) => {
      const request = http.get(`${weir.url}/health`, { agent }, (response) => {
        response.resume();
        response.on('end', resolve);
      });
      request.on('socket', (socket) => socket.once('close', () => (idleSocketClosedAt = Date.now())));
      request.on('error', reject);
    });

    const exited = exitOf(weir);
    const signalledAt = Date.now();
    weir.child.kill('SIGTERM');

    const refused = await pollUntil(
      async () => {
        const answer = await client.api('GET', '/workflows').catch(() => undefined);
        return answer?.status === 503 ? answer : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 50, description: 'a 503 while draining' },
    );
    expectErrorEnvelope(refused, 503);
    expect(refused.body.errors[0].code).toBe('shutting_down');
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.headers.connection).toBe('close');
    expect(refused.headers['weir-request-id']).toBeTypeOf('string');
    const health = await httpRequest(`${weir.url}/health`).catch(() => undefined);
    if (health) expect(health.body).toMatchObject({ status: 'draining' });

    await pollUntil(async () => (idleSocketClosedAt !== undefined ? true : undefined), {
      timeoutMs: 3_000,
      description: 'the idle keep-alive socket closed',
    });
    expect((idleSocketClosedAt as number) - signalledAt).toBeLessThan(2_000);
    agent.destroy();

    const { code, at } = await exited;
    expect(code, weir.output().slice(-3000)).toBe(0);
    expect(at - signalledAt).toBeLessThan((graceSeconds + 5) * 1000);
    // Nothing was claimed after the signal, and both callouts in flight were aborted, never answered.
    expect(target.hits.filter((hit) => hit.at >= signalledAt)).toEqual([]);
    expect(target.hits.map((hit) => [hit.isAborted, hit.isAnswered])).toEqual([
      [true, false],
      [true, false],
    ]);

    const steps = shutdownLines(weir);
    expect(steps.map((line) => line.msg)).toEqual([
      'shutdown: draining; claiming stopped, new requests get 503, idle connections closed',
      'shutdown: grace period over with work still in flight',
      'shutdown: aborted and released unfinished task instances to the queue',
      'shutdown: HTTP server closed',
      'shutdown: done',
    ]);
    expect(steps[0]).toMatchObject({ graceSeconds, executing: 2 });
    expect(steps[2]).toMatchObject({ aborted: 2, released: 2 });
    expect(Number(steps[3]?.refusedRequests)).toBeGreaterThanOrEqual(1);

    // After a restart every run finishes: the two released ran again once, the four queued once.
    target.delays['/slow'] = 0;
    const next = await serve(dataDir, { WEIR_WORKER_CONCURRENCY: '2' });
    const nextClient = await next.client();
    await pollUntil(
      async () => {
        const runs = await runsOf(nextClient, workflow.id);
        return runs.length === 6 && runs.every((run) => run.status === 'Finished') ? runs : undefined;
      },
      { timeoutMs: 60_000, description: 'every run finished after the restart' },
    );
    expect(target.hits.length).toBe(8);
  }, 120_000);
});

describe('SIGTERM with work that finishes within the grace', () => {
  it('lets the callout in flight finish and record its outcome, releases nothing, exits at once after', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'weir-shutdown-'));
    dirs.push(dataDir);
    const weir = await serve(dataDir, { WEIR_SHUTDOWN_GRACE_SECONDS: '30' });
    const client = await weir.client();
    const workflow = await setupWorkflow(client, oneCalloutWorkflow({ url: target.url('/quick') }));
    const before = target.hits.length;
    const sync = workflow.sync();
    await pollUntil(async () => (target.hits.length > before ? true : undefined), {
      timeoutMs: 20_000,
      description: 'the callout in flight',
    });
    const exited = exitOf(weir);
    const signalledAt = Date.now();
    weir.child.kill('SIGTERM');
    // The responsive caller gets its answer: its run finished during the drain.
    expect((await sync).status).toBe(200);
    const { code, at } = await exited;
    expect(code).toBe(0);
    expect(at - signalledAt).toBeLessThan(15_000);
    const steps = shutdownLines(weir);
    expect(steps[1]?.msg).toBe('shutdown: in-flight work finished');
    expect(steps[2]).toMatchObject({ aborted: 0, released: 0 });

    const next = await serve(dataDir, {});
    const runs = await runsOf(await next.client(), workflow.id);
    expect(runs.map((run) => run.status)).toEqual(['Finished']);
    expect(target.hits.length).toBe(before + 1);
  }, 90_000);
});

describe('a second signal', () => {
  it('exits at once, without waiting for the grace', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'weir-shutdown-'));
    dirs.push(dataDir);
    const weir = await serve(dataDir, { WEIR_SHUTDOWN_GRACE_SECONDS: '60' });
    const workflow = await setupWorkflow(await weir.client(), oneCalloutWorkflow({ url: target.url('/hang') }));
    const before = target.hits.length;
    must(await workflow.run(), 200, 'a run');
    await pollUntil(async () => (target.hits.length > before ? true : undefined), {
      timeoutMs: 20_000,
      description: 'the callout in flight',
    });
    const exited = exitOf(weir);
    weir.child.kill('SIGTERM');
    await pollUntil(async () => (shutdownLines(weir).length > 0 ? true : undefined), {
      timeoutMs: 5_000,
      description: 'the shutdown began',
    });
    const secondAt = Date.now();
    weir.child.kill('SIGTERM');
    const { code, at } = await exited;
    expect(code, weir.output().slice(-3000)).toBe(143);
    expect(at - secondAt).toBeLessThan(3_000);
  }, 60_000);
});
