import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCalloutTarget, type CalloutTarget } from '../helpers/callout-target.js';
import { startCluster, type Cluster, type ClusterNode } from '../helpers/cluster.js';
import { postgresSkipReason } from '../helpers/postgres.js';
import { pollUntil, waitForRun } from '../helpers/runs.js';
import { must, setupWorkflow, trigger } from '../helpers/setup-workflow.js';
import { link, oneCalloutWorkflow, start, task, workflowDocument } from '../helpers/workflows.js';

/**
 * shared/contract/engine.md "Storage and scale", issue 9 point 4: what one node does reaches the others
 * through LISTEN/NOTIFY. Node A takes triggers but claims nothing from the queue
 * (`WEIR_WORKER_CONCURRENCY=0`); node B executes. Their lease sweep runs every 30 s, so nothing in these
 * tests is explained by a sweep or a poll: only a notification can wake the other node in time.
 */
const skipReason = await postgresSkipReason();
const QUIET_SWEEP = { WEIR_LEASE_SWEEP_SECONDS: '30' };

describe.skipIf(skipReason !== null)(
  `two nodes on one PostgreSQL database${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let cluster: Cluster;
    let a: ClusterNode;
    let b: ClusterNode;
    let target: CalloutTarget;

    beforeAll(async () => {
      target = await startCalloutTarget();
      cluster = await startCluster([
        { ...QUIET_SWEEP, WEIR_WORKER_CONCURRENCY: '0' },
        { ...QUIET_SWEEP, WEIR_WORKER_CONCURRENCY: '4' },
      ]);
      [a, b] = cluster.nodes as [ClusterNode, ClusterNode];
    }, 120_000);
    afterAll(async () => {
      await cluster?.close();
      await target?.close();
    });

    it('both nodes are in the registry, each answering as itself', async () => {
      const listed = must(await a.api.api('GET', '/nodes'), 200, 'GET /nodes');
      const nodes = listed.nodes as Array<Record<string, unknown>>;
      expect(nodes.map((node) => node.id).sort()).toEqual([a.nodeId, b.nodeId].sort());
      for (const node of nodes) {
        expect(node).toMatchObject({ status: 'Running', stoppedAt: null, pid: expect.any(Number) });
        expect(node.isThisNode).toBe(node.id === a.nodeId);
      }
    });

    it('a run queued on A wakes the idle claimer of B at once', async () => {
      target.on('/cross/new-work', { body: { ok: true } });
      const workflow = await setupWorkflow(a.api, oneCalloutWorkflow({ url: target.url('/cross/new-work') }));
      const queued = await workflow.run({ json: {} });
      expect(queued.status).toBe(200);
      // B's only ways to hear of it: the notification, or its sweep in 30 s.
      const run = await waitForRun(a.api, queued.body.id as number, { timeoutMs: 10_000 });
      expect(run).toMatchObject({ status: 'Finished', result: 'Success' });
      expect(target.requestsTo('/cross/new-work')).toHaveLength(1);
    });

    it('a responsive run on A whose sub-run and continuation B executes answers the caller waiting on A', async () => {
      const callee = await setupWorkflow(
        a.api,
        workflowDocument({
          tasks: [task.responseFormatter(1, 'Answer', { template: '{"callee": "{{ Data.Workflow.who }}"}' })],
          linkages: [start(1)],
          fields: [{ object_name: 'Workflow', field_name: 'who', datatype: 'Text', required: false }],
        }),
      );
      const caller = await setupWorkflow(
        a.api,
        workflowDocument({
          tasks: [
            task.raw(1, 'Call', 'Execute::WorkflowTask', {
              workflow_id: String(callee.id),
              inputs: '{"who": {{ Data.Workflow.who | to_json }}}',
            }),
            task.responseFormatter(2, 'Answer', { template: '{"sub": {{ Data.ExecuteWorkflow | to_json }}}' }),
          ],
          linkages: [start(1), link(1, 2)],
          fields: [{ object_name: 'Workflow', field_name: 'who', datatype: 'Text', required: false }],
        }),
      );
      // A executes the Execute task itself (a responsive run starts where it was received). The called
      // run goes to the queue, and so does the caller's woken task: only B claims, and A's waiting
      // request hears of the end from B.
      const answer = await caller.sync({ json: { who: 'Ada' }, timeoutMs: 20_000 });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body).toEqual({ sub: { callee: 'Ada' } });
    });

    it('a repeat of a responsive trigger on A waits for the run B executes, and answers its result', async () => {
      target.on('/cross/slow', { delayMs: 1_500, body: { slow: true } });
      const workflow = await setupWorkflow(
        b.api,
        workflowDocument({
          tasks: [
            task.callout(1, 'Slow', { url: target.url('/cross/slow') }),
            task.responseFormatter(2, 'Answer', {
              template: '{"called": true, "run": {{ WorkflowInstance.id }}}',
            }),
          ],
          linkages: [start(1), link(1, 2)],
        }),
      );
      const key = `repeat-${Date.now()}`;
      const first = workflow.sync({ headers: { 'Idempotency-Key': key }, timeoutMs: 20_000 });
      await target.waitForRequests('/cross/slow', 1, 10_000);
      // The run is in flight on B; the same key on A is the same run, and A answers when B finishes it.
      const repeat = await trigger(a.url, workflow.id, 'sync', {
        auth: workflow.apiTokenAuth,
        headers: { 'Idempotency-Key': key },
        timeoutMs: 20_000,
      });
      const original = await first;
      expect(original.status, original.text).toBe(200);
      expect(repeat.status, repeat.text).toBe(200);
      expect(repeat.body).toEqual(original.body);
      expect(target.requestsTo('/cross/slow')).toHaveLength(1);
    });

    it('a stop sent to A aborts the callout B is making for the run', async () => {
      target.on('/cross/endless', { delayMs: 60_000, body: { late: true } });
      const workflow = await setupWorkflow(
        a.api,
        oneCalloutWorkflow({ url: target.url('/cross/endless'), timeoutSeconds: 120 }),
      );
      const queued = must(await workflow.run({ json: {} }), 200, 'run');
      await target.waitForRequests('/cross/endless', 1, 10_000);
      const stopping = await a.api.api('PUT', `/workflows/workflow_runs/${queued.id as number}/stop`);
      expect(stopping.status, stopping.text).toBe(200);
      const run = await waitForRun(a.api, queued.id as number, { timeoutMs: 10_000 });
      expect(run.status).toBe('Stopped');
      await pollUntil(async () => (target.abandoned.length > 0 ? true : undefined), {
        timeoutMs: 5_000,
        description: 'the callout abandoned by B',
      });
      expect(target.abandoned.map((request) => request.path)).toEqual(['/cross/endless']);
    });

    it('credentials rotated on A are refused on B within a second; so is a deactivated workflow', async () => {
      const workflow = await setupWorkflow(a.api, oneCalloutWorkflow({ url: target.url('/cross/rotate') }));
      const old = workflow.apiTokenAuth;
      // B has the workflow's trigger target cached.
      expect((await trigger(b.url, workflow.id, 'run', { auth: old, json: {} })).status).toBe(200);
      must(await a.api.api('POST', `/workflows/${workflow.id}/settings/rotate`), 200, 'rotate');
      const rotatedAt = Date.now();
      await pollUntil(
        async () =>
          (await trigger(b.url, workflow.id, 'run', { auth: old, json: {} })).status === 401 ? true : undefined,
        { timeoutMs: 1_000, intervalMs: 25, description: 'B refusing the rotated token' },
      );
      expect(Date.now() - rotatedAt).toBeLessThan(1_000);
      await workflow.refreshSettings();
      expect((await trigger(b.url, workflow.id, 'run', { auth: workflow.apiTokenAuth, json: {} })).status).toBe(200);
      must(await a.api.api('PATCH', `/workflows/${workflow.id}`, { status: 'Inactive' }), 200, 'deactivate');
      await pollUntil(
        async () => {
          const status = (await trigger(b.url, workflow.id, 'run', { auth: workflow.apiTokenAuth, json: {} })).status;
          return status !== 200 ? status : undefined;
        },
        { timeoutMs: 1_000, intervalMs: 25, description: 'B refusing the deactivated workflow' },
      );
    });

    it("notifications lost while B's listening connection was down: B rescans after it reconnects", async () => {
      target.on('/cross/lost', { body: { ok: true } });
      const workflow = await setupWorkflow(a.api, oneCalloutWorkflow({ url: target.url('/cross/lost') }));
      const old = workflow.apiTokenAuth;
      expect((await trigger(b.url, workflow.id, 'run', { auth: old, json: {} })).status).toBe(200);
      await target.waitForRequests('/cross/lost', 1, 10_000);
      // Cut B's listening connection; while it is down, A rotates the credentials and queues a run.
      const cut = await cluster.sql.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [`weir ${b.nodeId}-listen`],
      );
      expect(cut.rowCount).toBe(1);
      must(await a.api.api('POST', `/workflows/${workflow.id}/settings/rotate`), 200, 'rotate');
      must(await trigger(a.url, workflow.id, 'run', { auth: old, json: {} }), 401, 'the old token on A');
      await workflow.refreshSettings();
      const run = must(await workflow.run({ json: {} }), 200, 'run on A');
      // B reconnects (back-off from 250 ms), hears `resync`: it claims the run and drops its caches.
      expect(await waitForRun(a.api, run.id as number, { timeoutMs: 10_000 })).toMatchObject({ status: 'Finished' });
      await pollUntil(
        async () =>
          (await trigger(b.url, workflow.id, 'run', { auth: old, json: {} })).status === 401 ? true : undefined,
        { timeoutMs: 10_000, intervalMs: 100, description: 'B refusing the token rotated while it was deaf' },
      );
      expect(b.output()).toContain('the notification connection was lost; reconnecting');
    });

    it('a node started with another secret key is refused: exit code 2 and a sentence, nothing served', async () => {
      const started = cluster.addNode({ ...QUIET_SWEEP, WEIR_SECRET_KEY: 'another-secret-key-0123456789' });
      await expect(started).rejects.toThrow(/exited \(2\) before it was healthy/);
      await expect(started).rejects.toThrow(/This secret key is not the one this database was set up with/);
      // The others go on.
      expect((await a.api.api('GET', '/nodes')).status).toBe(200);
    });
  },
);
