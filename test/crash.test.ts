import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCalloutTarget, type CalloutTarget } from './helpers/callout-target.js';
import type { JsonBody } from './helpers/http.js';
import { listRuns, mapWithConcurrency, pollUntil } from './helpers/runs.js';
import { setupWorkflow, trigger } from './helpers/setup-workflow.js';
import { startWeirProcess, type WeirProcess } from './helpers/weir-process.js';
import { link, oneCalloutWorkflow, start, task, uniqueName, workflowDocument } from './helpers/workflows.js';

/**
 * shared/contract/api.md "Standard mode": a run that has been answered is never lost, not by a crash.
 * shared/contract/engine.md "Durability": after kill -9 and a restart, every accepted run reaches a final
 * status without anyone's help. `weir serve` runs as a child process that the test kills with SIGKILL.
 */

/** Triggers sent at most; the child is killed once this many were accepted. */
const TRIGGERS = 260;
const ACCEPTED_BEFORE_KILL = 200;
const CONCURRENCY = 20;
const CALLOUT_DELAY_MS = 300;

let dataDir: string;
let target: CalloutTarget;
const children: WeirProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'weir-crash-'));
  target = await startCalloutTarget();
});

// One server per data dir: each test's servers are gone before the next starts.
afterEach(async () => {
  for (const weir of children.splice(0)) await weir.kill();
});

afterAll(async () => {
  for (const weir of children) await weir.kill();
  await target?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function startChild(): Promise<WeirProcess> {
  const weir = await startWeirProcess({ dataDir });
  children.push(weir);
  return weir;
}

describe('weir serve killed with SIGKILL while runs are in flight', () => {
  it('every accepted run is found after a restart and reaches Finished with result Success', async () => {
    const calloutPath = '/crash/slow';
    target.on(calloutPath, { delayMs: CALLOUT_DELAY_MS, body: { ok: true } });

    const first = await startChild();
    const firstClient = await first.client();
    const workflow = await setupWorkflow(firstClient, oneCalloutWorkflow({ url: target.url(calloutPath) }), {
      triggers: { callout_trigger: true, sync_trigger: false },
    });

    const accepted: number[] = [];
    const refusedBeforeKill: string[] = [];
    let sent = 0;
    let isKilled = false;
    let calloutsAtKill = -1;
    await mapWithConcurrency(
      Array.from({ length: TRIGGERS }, (_, i) => i),
      CONCURRENCY,
      async () => {
        if (isKilled) return;
        sent += 1;
        try {
          const response = await trigger(first.url, workflow.id, 'run', {
            auth: workflow.apiTokenAuth,
            json: {},
            timeoutMs: 15_000,
          });
          if (response.status === 200) {
            // Answered: it counts as accepted, even when the answer raced the kill.
            accepted.push(response.body.id as number);
            if (!isKilled && accepted.length >= ACCEPTED_BEFORE_KILL) {
              isKilled = true;
              calloutsAtKill = target.requestsTo(calloutPath).length;
              first.child.kill('SIGKILL');
            }
          } else if (!isKilled) {
            refusedBeforeKill.push(`${response.status} ${response.text}`);
          }
        } catch (error) {
          // After the kill, requests in flight fail: they were never answered, so never accepted.
          if (!isKilled) refusedBeforeKill.push(String(error));
        }
      },
    );
    await first.exited;

    expect(refusedBeforeKill, first.output()).toEqual([]);
    expect(accepted.length).toBeGreaterThanOrEqual(ACCEPTED_BEFORE_KILL);
    expect(new Set(accepted).size, 'run ids answered twice').toBe(accepted.length);
    // The kill really came mid-flight: runs were accepted whose callout had not even been made.
    expect(calloutsAtKill).toBeLessThan(accepted.length);

    const second = await startChild();
    const client = await second.client();
    const pending = new Set(accepted);
    const finished = new Map<number, JsonBody>();
    const missing = new Set<number>();
    await pollUntil(
      async () => {
        await mapWithConcurrency([...pending], CONCURRENCY, async (runId) => {
          const response = await client.api('GET', `/workflows/workflow_runs/${runId}`);
          if (response.status === 404) {
            missing.add(runId);
            pending.delete(runId);
          } else if (response.status !== 200) {
            throw new Error(`GET run ${runId}: ${response.status} ${response.text}`);
          } else if (response.body.status === 'Finished' || response.body.status === 'Stopped') {
            finished.set(runId, response.body);
            pending.delete(runId);
          }
        });
        return pending.size === 0 ? true : undefined;
      },
      {
        timeoutMs: 60_000,
        intervalMs: 500,
        description: 'every accepted run reaching a final status after the restart',
        describeLast: () =>
          `${pending.size} not final, e.g. ${[...pending].slice(0, 5).join(', ')}\n${second.output()}`,
      },
    );

    expect([...missing], 'accepted runs lost by the crash').toEqual([]);
    const failed = [...finished.values()].filter(
      (run) => run.status !== 'Finished' || run.result !== 'Success' || run.tasks.error !== 0,
    );
    expect(failed.map((run) => JSON.stringify(run)).slice(0, 5)).toEqual([]);
    expect(finished.size).toBe(accepted.length);

    // Every accepted run made its callout (at least once: a task running at the kill is run again).
    const calledOutFor = new Set(
      target.requestsTo(calloutPath).map((r) => Number(String(r.headers['idempotency-key']).split(':')[0])),
    );
    expect(accepted.filter((runId) => !calledOutFor.has(runId))).toEqual([]);

    // The list shows them all, and no run appeared that no trigger asked for.
    const listed = await listRuns(client, { workflow_id: String(workflow.id) });
    const listedIds = new Set(listed.map((run) => run.id as number));
    expect(accepted.filter((runId) => !listedIds.has(runId))).toEqual([]);
    expect(listed.length).toBeLessThanOrEqual(sent);
  }, 180_000);

  it('every answered responsive run (kept in memory, written once at its end) is found after the restart, Finished', async () => {
    const weir = await startChild();
    const client = await weir.client();
    // Liquid then a response task: no side effects, so each run is drafted and written once (engine/run-draft.ts).
    const workflow = await setupWorkflow(
      client,
      workflowDocument({
        name: uniqueName('crash sync'),
        fields: [{ callout_id: 'n', object_name: 'Workflow', field_name: 'n', datatype: 'Integer', required: true }],
        tasks: [
          task.liquid(1, 'Double', '{% assign twice = Data.Workflow.n | times: 2 %}'),
          task.responseFormatter(2, 'Answer', {
            template: '{"n": {{ Data.Workflow.n }}, "twice": {{ Data.Liquid.twice }}}',
          }),
        ],
        linkages: [start(1), link(1, 2)],
      }),
    );
    const answered: number[] = [];
    let isKilled = false;
    await mapWithConcurrency(
      Array.from({ length: 3_000 }, (_, n) => n),
      CONCURRENCY,
      async (n) => {
        if (isKilled) return;
        try {
          const response = await trigger(weir.url, workflow.id, 'sync', {
            auth: workflow.apiTokenAuth,
            json: { n },
            timeoutMs: 15_000,
          });
          if (response.status !== 200) throw new Error(`${response.status} ${response.text}`);
          expect(response.body).toEqual({ n, twice: 2 * n });
          answered.push(n);
          if (!isKilled && answered.length >= 400) {
            isKilled = true;
            weir.child.kill('SIGKILL');
          }
        } catch (error) {
          // After the kill, requests in flight fail: never answered, so never accepted.
          if (!isKilled) throw error;
        }
      },
    );
    await weir.exited;
    expect(answered.length).toBeGreaterThanOrEqual(400);

    const again = await startChild();
    const reader = await again.client();
    const runs = await listRuns(reader, { workflow_id: String(workflow.id) });
    const stored = new Map<number, JsonBody>();
    await mapWithConcurrency(runs, CONCURRENCY, async (listed) => {
      const response = await reader.api('GET', `/workflows/workflow_runs/${listed.id as number}`);
      stored.set(response.body.inputs.Workflow.n as number, response.body);
    });
    // Every answered run is there, final and successful: its answer came only after its one write.
    expect(
      answered.filter((n) => !stored.has(n)),
      'answered runs lost by the crash',
    ).toEqual([]);
    const notFinished = answered.filter((n) => {
      const run = stored.get(n);
      return run?.status !== 'Finished' || run.result !== 'Success' || run.tasks.success !== 2;
    });
    expect(notFinished).toEqual([]);
    // A run cut short by the kill was never written (it had no side effect to protect): nothing half-done.
    expect([...stored.values()].filter((run) => run.status !== 'Finished')).toEqual([]);
  }, 180_000);
});
