import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import { pollUntil, sleep } from './helpers/runs.js';
import { setupWorkflow, trigger } from './helpers/setup-workflow.js';
import { TEST_SECRET_KEY } from './helpers/start-weir.js';
import { freePort, startWeirProcess, type WeirProcess } from './helpers/weir-process.js';
import { oneCalloutWorkflow } from './helpers/workflows.js';

/**
 * One server per SQLite data dir: a second `weir serve` on a data dir in use is refused with a sentence
 * and exit code 2, and no side effect happens twice (issue 8). A port in use is a sentence too.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Runs `weir serve` expecting it to refuse to start; its exit code and output. */
async function serveExpectingRefusal(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--no-node-snapshot', '--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: ROOT,
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('WEIR_'))),
      WEIR_HOST: '127.0.0.1',
      WEIR_SECRET_KEY: TEST_SECRET_KEY,
      WEIR_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  return { code, output };
}

let dataDir: string;
let target: CalloutTarget;
let first: WeirProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'weir-lock-'));
  target = await startCalloutTarget();
});

afterAll(async () => {
  await first?.kill();
  await target?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('a second weir serve', () => {
  it(
    'on a data dir in use exits with code 2 naming the dir and the running process; the callout runs once',
    { timeout: 120_000 },
    async () => {
      const calloutPath = '/lock/slow';
      target.on(calloutPath, { delayMs: 2_000, body: { ok: true } });
      first = await startWeirProcess({ dataDir });
      const client = await first.client();
      const workflow = await setupWorkflow(client, oneCalloutWorkflow({ url: target.url(calloutPath) }), {
        triggers: { callout_trigger: true, sync_trigger: false },
      });
      const queued = await trigger(first.url, workflow.id, 'run', { auth: workflow.apiTokenAuth, json: {} });
      expect(queued.status).toBe(200);
      await target.waitForRequests(calloutPath, 1, 10_000);

      const second = await serveExpectingRefusal({ WEIR_DATA_DIR: dataDir, WEIR_PORT: String(await freePort()) });
      expect(second.code).toBe(2);
      expect(second.output).toContain(`The data dir ${path.resolve(dataDir)} is in use by another Weir server`);
      expect(second.output).toContain(`process ${first.child.pid}`);
      expect(second.output).not.toMatch(/\n\s+at /);

      const runId = queued.body.id as number;
      const run = await pollUntil(
        async () => {
          const body = (await client.api('GET', `/workflows/workflow_runs/${runId}`)).body;
          return body.status === 'Finished' ? body : undefined;
        },
        { timeoutMs: 20_000, description: `run ${runId} Finished` },
      );
      expect(run.status).toBe('Finished');
      await sleep(500);
      expect(target.requestsTo(calloutPath)).toHaveLength(1);
    },
  );

  it('on a port in use exits with code 2 and a sentence', { timeout: 60_000 }, async () => {
    const other = await mkdtemp(path.join(tmpdir(), 'weir-port-'));
    try {
      const port = new URL(first?.url ?? 'http://127.0.0.1:1').port;
      const refused = await serveExpectingRefusal({ WEIR_DATA_DIR: other, WEIR_PORT: port });
      expect(refused.code).toBe(2);
      expect(refused.output).toContain(`Port ${port} on 127.0.0.1 is already in use by another process`);
      expect(refused.output).not.toMatch(/\n\s+at /);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it(
    'after the first one is killed with SIGKILL, a new server starts on the data dir at once',
    { timeout: 60_000 },
    async () => {
      await first?.kill();
      first = await startWeirProcess({ dataDir });
      const health = await fetch(`${first.url}/health`);
      expect(health.status).toBe(200);
    },
  );
});
