import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimTaskInstances, claimWork } from '../../src/engine/claims.js';
import { completeTaskInstance, type TaskCompletion } from '../../src/engine/progression.js';
import type { TaskInstanceRecord } from '../../src/model/records.js';
import type { Store } from '../../src/store/store.js';
import { BACKENDS, importWorkflow, newRun } from './backends.js';

const LEASE_MS = 30_000;

/** A successful completion of `instance` by `nodeId`, ending its branch (no successors). */
function success(instance: TaskInstanceRecord, nodeId: string, now: number): TaskCompletion {
  return {
    instanceId: instance.id,
    runId: instance.runId,
    nodeId,
    now,
    status: 'Success',
    dataOut: { stored: { outPatch: null, outWhole: JSON.stringify({ by: nodeId }) }, data: { by: nodeId } },
    log: `done by ${nodeId}\n`,
    successors: [],
    scope: { iterationParentId: null, iterationIndex: null },
    claimSuccessorsUntil: null,
  };
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skipReason !== null)(
    `queue store contract: ${backend.name}${backend.skipReason ? ` (skipped: ${backend.skipReason})` : ''}`,
    () => {
      let store: Store;
      let cleanup: () => Promise<void>;
      beforeAll(async () => {
        ({ store, cleanup } = await backend.open());
      });
      afterAll(async () => cleanup());

      const claim = (nodeId: string, now: number, limit = 100) =>
        store.queue.transaction((tx) => claimTaskInstances(tx, { nodeId, limit, now, leaseUntil: now + LEASE_MS }));

      it('commits a run with its entry instance; an idempotency key repeat commits nothing', async () => {
        const seeded = await importWorkflow(store);
        const now = Date.now();
        const first = await store.queue.createRun(newRun(seeded, now, { idempotencyKey: 'k-1' }));
        expect(first.created).toBe(true);
        expect(first.run.status).toBe('Queued');
        expect(first.instances).toHaveLength(1);
        expect(first.instances[0]).toMatchObject({
          status: 'Queued',
          runId: first.run.id,
          // Its input Data is the run's initial Data, derived from the inputs: nothing stored for it.
          storedData: { baseId: null, inPatch: null, inWhole: null, outPatch: null, outWhole: null },
        });
        const again = await store.queue.createRun(newRun(seeded, now + 1, { idempotencyKey: 'k-1' }));
        expect(again).toMatchObject({ created: false, instances: [] });
        expect(again.run.id).toBe(first.run.id);
        expect(await store.reads.getRun(first.run.id)).toMatchObject({ id: first.run.id, status: 'Queued' });
        // Clean up for the claim tests below: the run is finished by its claimer.
        const [held] = await claim('node-setup', now);
        if (!held) throw new Error('nothing claimed');
        await store.queue.transaction((tx) => completeTaskInstance(tx, success(held, 'node-setup', now)));
      });

      it('runs created at once get the numbers 1, 2, 3, ... of their workflow, each once, with LastRunDate chained', async () => {
        const seeded = await importWorkflow(store);
        const t0 = 1_900_000_000_000;
        // Several turns of several runs each: on PostgreSQL the numbers of one turn are reserved together.
        const created = [];
        for (let turn = 0; turn < 4; turn++) {
          created.push(
            ...(await Promise.all(
              Array.from({ length: 10 }, (_, i) => store.queue.createRun(newRun(seeded, t0 + turn * 10 + i))),
            )),
          );
        }
        const names = created.map(({ run }) => run.name);
        expect(new Set(names).size).toBe(40);
        expect(names.map((name) => Number(name.slice(-8))).sort((a, b) => a - b)).toEqual(
          Array.from({ length: 40 }, (_, i) => i + 1),
        );
        // Each run's previous run time is the creation time of the run numbered just before it.
        const byNumber = new Map(created.map(({ run }) => [Number(run.name.slice(-8)), run]));
        expect(byNumber.get(1)?.previousRunAt).toBeNull();
        for (let n = 2; n <= 40; n++) {
          expect(byNumber.get(n)?.previousRunAt, `run ${n}`).toBe(byNumber.get(n - 1)?.createdAt);
        }
        for (const { run } of created) expect(await store.reads.getRun(run.id)).toMatchObject({ name: run.name });
        const held = await claim('node-numbers', t0 + 100, 100);
        for (const instance of held) {
          await store.queue.transaction((tx) => completeTaskInstance(tx, success(instance, 'node-numbers', t0 + 100)));
        }
      });

      it('two claimers racing never get the same task instance', async () => {
        const seeded = await importWorkflow(store);
        const now = Date.now();
        for (let i = 0; i < 40; i++) await store.queue.createRun(newRun(seeded, now));
        const [a, b] = await Promise.all([claim('node-a', now, 25), claim('node-b', now, 25)]);
        const ids = [...(a ?? []), ...(b ?? [])].map((instance) => instance.id);
        expect(ids).toHaveLength(40);
        expect(new Set(ids).size).toBe(40);
        for (const instance of a ?? []) expect(instance).toMatchObject({ status: 'Processing' });
        // Their runs started.
        const run = await store.reads.getRun((a ?? [])[0]?.runId ?? -1);
        expect(run?.status).toBe('Processing');
        for (const [nodeId, held] of [
          ['node-a', a],
          ['node-b', b],
        ] as const) {
          for (const instance of held ?? []) {
            await store.queue.transaction((tx) => completeTaskInstance(tx, success(instance, nodeId, now)));
          }
        }
        expect(await claim('node-c', now)).toEqual([]);
      });

      it('one claim takes many in claim order, starts each of their runs once and hands each its run', async () => {
        const seeded = await importWorkflow(store);
        const now = Date.now();
        const entry = { taskId: seeded.taskId, name: 'Answer', actionType: 'Logic::ResponseFormatter' };
        const low = await store.queue.createRun(newRun(seeded, now, { priority: 'Low' }));
        const twoEntries = await store.queue.createRun(newRun(seeded, now, { entryTasks: [entry, entry] }));
        const high = await store.queue.createRun(newRun(seeded, now, { priority: 'High' }));
        const at = now + 5_000;
        const work = await store.queue.transaction((tx) =>
          claimWork(tx, { nodeId: 'node-a', limit: 100, now: at, leaseUntil: at + LEASE_MS }),
        );
        const mine = work.filter((claimed) => claimed.instance.workflowId === seeded.workflow.id);
        // Priority first, then age: the High run, the two entries of the Medium one, the Low run.
        expect(mine.map((claimed) => claimed.instance.runId)).toEqual([
          high.run.id,
          twoEntries.run.id,
          twoEntries.run.id,
          low.run.id,
        ]);
        for (const { instance, run } of mine) {
          expect(instance.status).toBe('Processing');
          expect(run).toMatchObject({ id: instance.runId, status: 'Processing', startedAt: at });
        }
        for (const created of [low, twoEntries, high]) {
          expect(await store.reads.getRun(created.run.id)).toMatchObject({ status: 'Processing', startedAt: at });
        }
        for (const { instance } of mine) {
          await store.queue.transaction((tx) => completeTaskInstance(tx, success(instance, 'node-a', at)));
        }
        expect(await store.reads.getRun(twoEntries.run.id)).toMatchObject({ status: 'Finished', startedAt: at });
      });

      it('a run a claim starts comes with its inputs (its first tasks need them); one started before does not', async () => {
        const seeded = await importWorkflow(store);
        const now = Date.now();
        const inputs = { Account: { Name: 'Acme', Balance: 12.5 } };
        const created = await store.queue.createRun(newRun(seeded, now, { inputs }));
        const start = { runIds: [created.run.id], to: 'Processing' as const };
        const [started] = await store.queue.transaction((tx) =>
          tx.startRuns({ ...start, from: ['Queued'], now: now + 1 }),
        );
        expect(started).toMatchObject({ id: created.run.id, status: 'Processing', startedAt: now + 1, inputs });
        // Moved again, later (as a Pending run resumes): its first tasks ran already, its start time stays.
        const [again] = await store.queue.transaction((tx) =>
          tx.startRuns({ ...start, from: ['Processing'], now: now + 2 }),
        );
        expect(again).toMatchObject({ id: created.run.id, status: 'Processing', startedAt: now + 1 });
        expect(again && 'inputs' in again).toBe(false);
        const [held] = (await claim('node-inputs', now + 3)).filter((instance) => instance.runId === created.run.id);
        if (!held) throw new Error('nothing claimed');
        await store.queue.transaction((tx) => completeTaskInstance(tx, success(held, 'node-inputs', now + 3)));
      });

      it('a fenced outcome: only the holder writes it, once', async () => {
        const seeded = await importWorkflow(store);
        const now = Date.now();
        await store.queue.createRun(newRun(seeded, now));
        const [held] = await claim('node-a', now);
        if (!held) throw new Error('nothing claimed');
        const byOther = await store.queue.transaction((tx) => completeTaskInstance(tx, success(held, 'node-b', now)));
        expect(byOther.applied).toBe(false);
        expect(await store.reads.getTaskInstance(held.id)).toMatchObject({ status: 'Processing', dataOut: null });
        const byHolder = await store.queue.transaction((tx) => completeTaskInstance(tx, success(held, 'node-a', now)));
        expect(byHolder).toMatchObject({ applied: true, runBecameFinal: true });
        expect(byHolder.run).toMatchObject({
          status: 'Finished',
          result: 'Success',
          response: { code: 200, body: { by: 'node-a' } },
        });
        const twice = await store.queue.transaction((tx) => completeTaskInstance(tx, success(held, 'node-a', now)));
        expect(twice.applied).toBe(false);
      });

      it("a lease that lapses: the sweeper re-queues, another node runs it, the old owner's late write changes nothing", async () => {
        const seeded = await importWorkflow(store);
        const t0 = Date.now();
        await store.queue.createRun(newRun(seeded, t0));
        const [held] = await claim('node-a', t0);
        if (!held) throw new Error('nothing claimed');
        // Not expired yet: nothing moves.
        expect(await store.queue.requeueExpiredLeases(t0 + LEASE_MS - 1)).toBe(0);
        // node-a stops renewing (it hangs); past its lease the instance belongs to nobody.
        const later = t0 + LEASE_MS + 1;
        expect(await store.queue.requeueExpiredLeases(later)).toBe(1);
        expect(await store.reads.getTaskInstance(held.id)).toMatchObject({ status: 'Queued' });
        expect(await store.queue.renewLeases('node-a', [held.id], later + LEASE_MS)).toEqual([held.id]);
        const [retaken] = await claim('node-b', later);
        expect(retaken?.id).toBe(held.id);
        const late = await store.queue.transaction((tx) => completeTaskInstance(tx, success(held, 'node-a', later)));
        expect(late.applied).toBe(false);
        expect(await store.reads.getTaskInstance(held.id)).toMatchObject({
          status: 'Processing',
          dataOut: null,
          log: null,
        });
        const done = await store.queue.transaction((tx) =>
          completeTaskInstance(tx, success(held, 'node-b', later + 1)),
        );
        expect(done.applied).toBe(true);
        expect(await store.reads.getTaskInstance(held.id)).toMatchObject({
          status: 'Success',
          dataOut: { by: 'node-b' },
          log: 'done by node-b\n',
        });
      });

      it('renewing keeps a lease; a release puts it back in the queue; only the holder does either', async () => {
        const seeded = await importWorkflow(store);
        const now = Date.now();
        await store.queue.createRun(newRun(seeded, now));
        const [held] = await claim('node-a', now);
        if (!held) throw new Error('nothing claimed');
        expect(await store.queue.renewLeases('node-a', [held.id], now + 3 * LEASE_MS)).toEqual([]);
        expect(await store.queue.requeueExpiredLeases(now + 2 * LEASE_MS)).toBe(0);
        expect(await store.queue.releaseTaskInstances('node-b', [held.id], now)).toBe(0);
        expect(await store.queue.releaseTaskInstances('node-a', [held.id], now)).toBe(1);
        expect(await store.reads.getTaskInstance(held.id)).toMatchObject({ status: 'Queued' });
        const [again] = await claim('node-c', now);
        expect(again?.id).toBe(held.id);
        expect(await store.queue.requeueHeldByOthers('node-c', now)).toBe(0);
        expect(await store.queue.requeueHeldByOthers('node-d', now)).toBe(1);
        const [last] = await claim('node-d', now);
        if (!last) throw new Error('nothing claimed');
        await store.queue.transaction((tx) => completeTaskInstance(tx, success(last, 'node-d', now)));
      });

      it('a task at its concurrent_limit is passed over; the others behind it are claimed', async () => {
        const limited = await importWorkflow(store, { concurrentLimit: 2 });
        const free = await importWorkflow(store);
        const now = Date.now();
        for (let i = 0; i < 5; i++) await store.queue.createRun(newRun(limited, now));
        for (let i = 0; i < 3; i++) await store.queue.createRun(newRun(free, now));
        const first = await claim('node-a', now);
        expect(first.filter((i) => i.taskId === limited.taskId)).toHaveLength(2);
        expect(first.filter((i) => i.taskId === free.taskId)).toHaveLength(3);
        // The limit holds across claimers (nodes), not per claimer.
        expect((await claim('node-b', now)).filter((i) => i.taskId === limited.taskId)).toHaveLength(0);
        for (const instance of first) {
          await store.queue.transaction((tx) => completeTaskInstance(tx, success(instance, 'node-a', now)));
        }
        expect((await claim('node-b', now)).filter((i) => i.taskId === limited.taskId)).toHaveLength(2);
      });

      it('two schedulers recording one instant: one run starts, the other is told it is a duplicate', async () => {
        const seeded = await importWorkflow(store);
        const now = Date.now();
        const scheduledAt = now - (now % 60_000);
        const fire = (firedBy: string) =>
          store.queue.startScheduledRun({
            run: newRun(seeded, now, { runUser: 'Scheduler' }),
            scheduledAt,
            firedBy,
            isActiveRunCheckOn: false,
            skipReason: null,
          });
        const outcomes = (await Promise.all([fire('node-a'), fire('node-b'), fire('node-a'), fire('node-b')])).map(
          (result) => result.outcome,
        );
        expect(outcomes.filter((o) => o === 'started')).toHaveLength(1);
        expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(3);
        expect(await store.reads.listRuns({ workflowId: seeded.workflow.id }, { offset: 0, limit: 10 })).toHaveLength(
          1,
        );
      });

      it('a workflow at its concurrent_run_limit starts no more runs', async () => {
        const seeded = await importWorkflow(store, { runLimit: 1 });
        const now = Date.now();
        for (let i = 0; i < 3; i++) await store.queue.createRun(newRun(seeded, now));
        const [a, b] = await Promise.all([claim('node-a', now), claim('node-b', now)]);
        const held = [...(a ?? []), ...(b ?? [])].filter((i) => i.workflowId === seeded.workflow.id);
        expect(held).toHaveLength(1);
        expect(await store.reads.countActiveRuns(seeded.workflow.id)).toBe(1);
      });

      it('counts the task instances it creates per UTC day (usage), within the days asked', async () => {
        const seeded = await importWorkflow(store);
        const DAY = 24 * 3600 * 1000;
        const T0 = Date.UTC(2001, 0, 1);
        // One entry task instance per run; some in one batch, some in several.
        await Promise.all([T0, T0 + 5].map((at) => store.queue.createRun(newRun(seeded, at))));
        for (const at of [T0 + DAY, T0 + DAY + 5, T0 + 2 * DAY, T0 + 4 * DAY - 1]) {
          await store.queue.createRun(newRun(seeded, at));
        }
        expect(await store.reads.taskUsage('2001-01-01', '2001-01-04')).toEqual([
          { day: '2001-01-01', taskCount: 2 },
          { day: '2001-01-02', taskCount: 2 },
          { day: '2001-01-03', taskCount: 1 },
          { day: '2001-01-04', taskCount: 1 },
        ]);
        expect(await store.reads.taskUsage('2001-01-02', '2001-01-03')).toEqual([
          { day: '2001-01-02', taskCount: 2 },
          { day: '2001-01-03', taskCount: 1 },
        ]);
        expect(await store.reads.taskUsage('2002-01-01', '2002-12-31')).toEqual([]);
      });
    },
  );
}
