import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCalloutTarget, type CalloutTarget } from '../helpers/callout-target.js';
import { startCluster, type Cluster, type ClusterNode } from '../helpers/cluster.js';
import type { JsonBody } from '../helpers/http.js';
import { postgresSkipReason } from '../helpers/postgres.js';
import { parsePrometheus } from '../helpers/prometheus.js';
import { mapWithConcurrency, pollUntil, sleep } from '../helpers/runs.js';
import { must, setupWorkflow, trigger, type TriggerableWorkflow } from '../helpers/setup-workflow.js';
import { oneCalloutWorkflow, workflowDocument, task, start } from '../helpers/workflows.js';

/**
 * shared/contract/engine.md "Storage and scale", issue 9 point 6: three `weir serve` processes on one
 * PostgreSQL database behave as one Weir under load, and one of them dying loses nothing.
 */
const skipReason = await postgresSkipReason();
const WORKERS = '8';

/** The run id a callout was made for: callouts carry `Idempotency-Key: <run>:<task instance>:<attempt>`. */
function runIdOf(headers: Record<string, string | string[] | undefined>): number {
  return Number(String(headers['idempotency-key']).split(':')[0]);
}

/** Callouts made per run id, for the requests to `path`. */
function calloutsPerRun(target: CalloutTarget, path: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const request of target.requestsTo(path)) {
    const runId = runIdOf(request.headers);
    counts.set(runId, (counts.get(runId) ?? 0) + 1);
  }
  return counts;
}

/** Waits until every run in `runIds` is final (read from `node`), and returns them. */
async function waitForAll(node: ClusterNode, runIds: readonly number[], timeoutMs: number): Promise<JsonBody[]> {
  const pending = new Set(runIds);
  const finished = new Map<number, JsonBody>();
  await pollUntil(
    async () => {
      await mapWithConcurrency([...pending], 20, async (runId) => {
        const run = must(await node.api.api('GET', `/workflows/workflow_runs/${runId}`), 200, `GET run ${runId}`);
        if (run.status === 'Finished' || run.status === 'Stopped') {
          finished.set(runId, run);
          pending.delete(runId);
        }
      });
      return pending.size === 0 ? true : undefined;
    },
    {
      timeoutMs,
      intervalMs: 500,
      description: 'every accepted run final',
      describeLast: () => `${pending.size} not final, e.g. ${[...pending].slice(0, 5).join(', ')}`,
    },
  );
  return runIds.map((id) => finished.get(id) as JsonBody);
}

describe.skipIf(skipReason !== null)(
  `three nodes on one PostgreSQL database${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let cluster: Cluster;
    let nodes: ClusterNode[];
    let target: CalloutTarget;

    beforeAll(async () => {
      target = await startCalloutTarget();
      cluster = await startCluster([
        { WEIR_WORKER_CONCURRENCY: WORKERS },
        { WEIR_WORKER_CONCURRENCY: WORKERS },
        { WEIR_WORKER_CONCURRENCY: WORKERS },
      ]);
      nodes = cluster.nodes;
    }, 120_000);
    afterAll(async () => {
      await cluster?.close();
      await target?.close();
    });

    /** The workflow as each node sees it (the same id and credentials, any node may be asked). */
    const triggerOn = (node: ClusterNode, workflow: TriggerableWorkflow) =>
      trigger(node.url, workflow.id, 'run', { auth: workflow.apiTokenAuth, json: {}, timeoutMs: 20_000 });

    it('2,000 standard triggers spread over the nodes: every run finishes and makes its callout exactly once', async () => {
      const path = '/load/once';
      target.on(path, { body: { ok: true } });
      const workflow = await setupWorkflow(nodes[0]!.api, oneCalloutWorkflow({ url: target.url(path) }));
      const accepted: number[] = [];
      const refused: string[] = [];
      await mapWithConcurrency(
        Array.from({ length: 2_000 }, (_, i) => i),
        30,
        async (i) => {
          const response = await triggerOn(nodes[i % nodes.length]!, workflow);
          if (response.status === 200) accepted.push(response.body.id as number);
          else refused.push(`${response.status} ${response.text}`);
        },
      );
      expect(refused.slice(0, 3)).toEqual([]);
      expect(new Set(accepted).size).toBe(2_000);
      const runs = await waitForAll(nodes[1]!, accepted, 120_000);
      expect(runs.filter((run) => run.status !== 'Finished' || run.result !== 'Success')).toEqual([]);
      const counts = calloutsPerRun(target, path);
      expect(counts.size).toBe(2_000);
      expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
      expect([...counts.keys()].sort()).toEqual([...accepted].sort());
      // The claims were spread: every node executed callouts (its own /metrics counts what it ran).
      const executed = await Promise.all(
        nodes.map(async (node) => {
          const answer = await node.api.api('GET', '/metrics');
          expect(answer.status).toBe(200);
          return (
            parsePrometheus(answer.text).value('weir_task_instance_duration_seconds_count', {
              action_type: 'Callout',
            }) ?? 0
          );
        }),
      );
      expect(executed.reduce((sum, n) => sum + n, 0)).toBe(2_000);
      for (const count of executed) expect(count).toBeGreaterThan(0);
    }, 120_000);

    it('schedules fire once per instant, whichever node fires them', async () => {
      const path = '/load/scheduled';
      target.on(path, { body: { ok: true } });
      const document = oneCalloutWorkflow({ url: target.url(path) });
      const imported = must(
        await nodes[2]!.api.api('POST', '/workflows/import?activate=true', {
          ...document,
          workflow: {
            ...document.workflow,
            scheduled_trigger: true,
            interval: '* * * * * *',
            timezone: 'UTC',
            active_scheduled_run_check: false,
          },
        }),
        200,
        'import',
      );
      const workflowId = imported.id as number;
      await sleep(4_500);
      must(
        await nodes[0]!.api.api('PATCH', `/workflows/${workflowId}`, { scheduled_trigger: false }),
        200,
        'unschedule',
      );
      await sleep(1_500);
      const fires = await cluster.sql.query<{ scheduled_at: number; run_id: number; fired_by: string }>(
        "SELECT scheduled_at, run_id, fired_by FROM schedule_fires WHERE workflow_id = $1 AND outcome = 'Started'",
        [workflowId],
      );
      const runs = await cluster.sql.query<{ id: number }>('SELECT id FROM runs WHERE workflow_id = $1', [workflowId]);
      // About one a second, each instant once: three schedulers racing would make about three a second.
      expect(fires.rowCount, nodes.map((node) => node.output()).join('\n---\n')).toBeGreaterThanOrEqual(3);
      expect(fires.rowCount).toBeLessThanOrEqual(7);
      expect(runs.rows.map((row) => row.id).sort()).toEqual(fires.rows.map((row) => row.run_id).sort());
      const instants = fires.rows.map((row) => row.scheduled_at);
      expect(new Set(instants).size).toBe(instants.length);
      for (const instant of instants) expect(instant % 1_000).toBe(0);
    }, 120_000);

    it("a node's connections cut under load: it keeps serving, and every accepted run finishes", async () => {
      const path = '/load/cut';
      target.on(path, { delayMs: 200, body: { ok: true } });
      const workflow = await setupWorkflow(nodes[0]!.api, oneCalloutWorkflow({ url: target.url(path) }));
      const victim = nodes[1]!;
      const accepted: number[] = [];
      let isCut = false;
      await mapWithConcurrency(
        Array.from({ length: 300 }, (_, i) => i),
        20,
        async (i) => {
          if (i === 100) {
            isCut = true;
            // Every connection of the node: its pool and its LISTEN connection.
            await cluster.sql.query(
              'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE $1',
              [`weir ${victim.nodeId}%`],
            );
          }
          const response = await triggerOn(nodes[i % nodes.length]!, workflow).catch((error: unknown) => {
            throw new Error(`${String(error)}\n${victim.output()}`);
          });
          // Requests caught by the cut may be refused (never 500); the accepted ones must all finish.
          if (response.status === 200) accepted.push(response.body.id as number);
          else expect([503], `${response.status} ${response.text}`).toContain(response.status);
        },
      );
      expect(isCut, victim.output()).toBe(true);
      expect(victim.child.exitCode, victim.output()).toBeNull();
      expect(accepted.length).toBeGreaterThan(250);
      const runs = await waitForAll(nodes[0]!, accepted, 60_000);
      expect(runs.filter((run) => run.result !== 'Success')).toEqual([]);
      // The node lived through it and answers again.
      expect((await triggerOn(victim, workflow)).status).toBe(200);
      expect(victim.child.exitCode).toBeNull();
    }, 120_000);

    it('a node killed with SIGKILL under load: its work is taken over once it is declared gone; no accepted run is lost', async () => {
      const path = '/load/killed';
      target.on(path, { delayMs: 300, body: { ok: true } });
      const workflow = await setupWorkflow(
        nodes[0]!.api,
        workflowDocument({ tasks: [task.callout(1, 'Call', { url: target.url(path) })], linkages: [start(1)] }),
      );
      const victim = nodes[2]!;
      const survivors = [nodes[0]!, nodes[1]!];
      const accepted: number[] = [];
      let killedAt = 0;
      await mapWithConcurrency(
        Array.from({ length: 400 }, (_, i) => i),
        20,
        async (i) => {
          if (killedAt === 0 && accepted.length >= 150) {
            killedAt = Date.now();
            victim.child.kill('SIGKILL');
          }
          const node = killedAt === 0 ? nodes[i % nodes.length]! : survivors[i % 2]!;
          try {
            const response = await triggerOn(node, workflow);
            if (response.status === 200) accepted.push(response.body.id as number);
          } catch (error) {
            // Only requests to the killed node may fail, unanswered (never accepted).
            if (node !== victim) throw error;
          }
        },
      );
      expect(killedAt).toBeGreaterThan(0);
      // The lease is 60 s: the registry (gone after 3 s silent, swept every second) must be what frees
      // the killed node's work, so everything is over long before a lease could have run out.
      const runs = await waitForAll(nodes[0]!, accepted, 40_000);
      expect(Date.now() - killedAt).toBeLessThan(40_000);
      expect(runs.filter((run) => run.status !== 'Finished' || run.result !== 'Success')).toEqual([]);
      const counts = calloutsPerRun(target, path);
      expect(accepted.filter((runId) => !counts.has(runId))).toEqual([]);
      // At most the callouts in flight on the killed node were made twice.
      const twice = [...counts.values()].filter((n) => n > 1).length;
      expect(twice).toBeLessThanOrEqual(Number(WORKERS));
      const listed = must(await nodes[0]!.api.api('GET', '/nodes'), 200, 'GET /nodes');
      expect((listed.nodes as JsonBody[]).find((node) => node.id === victim.nodeId)).toMatchObject({
        status: 'Lost',
        heldTaskInstances: 0,
      });
    }, 120_000);
  },
);
