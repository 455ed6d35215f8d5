import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimTaskInstances } from '../../src/engine/claims.js';
import { completeTaskInstance } from '../../src/engine/progression.js';
import type { TaskInstanceRecord } from '../../src/model/records.js';
import type { Store } from '../../src/store/store.js';
import { BACKENDS, importWorkflow, newRun } from './backends.js';

const LEASE_MS = 60_000;

/** Ends what `nodeId` holds, so the next test's claims see only their own runs. */
async function finish(store: Store, held: readonly TaskInstanceRecord[], nodeId: string, now: number): Promise<void> {
  for (const instance of held) {
    const { applied } = await store.queue.transaction((tx) =>
      completeTaskInstance(tx, {
        instanceId: instance.id,
        runId: instance.runId,
        nodeId,
        now,
        status: 'Success',
        dataOut: { stored: { outPatch: null, outWhole: '{}' }, data: {} },
        log: null,
        successors: [],
        scope: { iterationParentId: null, iterationIndex: null },
        claimSuccessorsUntil: null,
      }),
    );
    expect(applied).toBe(true);
  }
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skipReason !== null)(
    `node registry contract: ${backend.name}${backend.skipReason ? ` (skipped: ${backend.skipReason})` : ''}`,
    () => {
      let store: Store;
      let cleanup: () => Promise<void>;
      beforeAll(async () => {
        ({ store, cleanup } = await backend.open());
      });
      afterAll(async () => cleanup());

      const register = (id: string, at: number) =>
        store.nodes.register({ id, host: 'host-1', pid: 4242, version: '0.1.0', startedAt: at, heartbeatAt: at });

      it('registers nodes, records heartbeats, lists them with what they hold', async () => {
        const t0 = 1_800_000_000_000;
        await register('node-list-a', t0);
        await register('node-list-b', t0 + 1);
        expect(await store.nodes.heartbeat('node-list-a', t0 + 5_000)).toBe(true);
        expect(await store.nodes.heartbeat('node-unknown', t0 + 5_000)).toBe(false);
        const seeded = await importWorkflow(store);
        await store.queue.createRun(newRun(seeded, t0));
        const held = await store.queue.transaction((tx) =>
          claimTaskInstances(tx, { nodeId: 'node-list-a', limit: 10, now: t0, leaseUntil: t0 + LEASE_MS }),
        );
        expect(held).toHaveLength(1);
        const listed = await store.nodes.list();
        const a = listed.find((node) => node.id === 'node-list-a');
        expect(a).toEqual({
          id: 'node-list-a',
          host: 'host-1',
          pid: 4242,
          version: '0.1.0',
          startedAt: t0,
          heartbeatAt: t0 + 5_000,
          stoppedAt: null,
          stopReason: null,
          heldTaskInstances: 1,
        });
        expect(listed.find((node) => node.id === 'node-list-b')?.heldTaskInstances).toBe(0);
        await finish(store, held, 'node-list-a', t0 + 5_500);
        await store.nodes.markStopped('node-list-a', 'shutdown', t0 + 6_000);
        await store.nodes.markStopped('node-list-b', 'shutdown', t0 + 6_000);
        // A stopped node does not heartbeat; running nodes come first in the list.
        expect(await store.nodes.heartbeat('node-list-a', t0 + 7_000)).toBe(false);
        await register('node-list-c', t0 + 8_000);
        expect((await store.nodes.list())[0]?.id).toBe('node-list-c');
        await store.nodes.markStopped('node-list-c', 'shutdown', t0 + 9_000);
      });

      it('a silent node is declared gone once, its work goes back to the queue, and it may register again', async () => {
        const t0 = 1_900_000_000_000;
        await register('node-silent', t0);
        await register('node-alive', t0);
        const seeded = await importWorkflow(store);
        await store.queue.createRun(newRun(seeded, t0));
        await store.queue.createRun(newRun(seeded, t0));
        const held = await store.queue.transaction((tx) =>
          claimTaskInstances(tx, { nodeId: 'node-silent', limit: 10, now: t0, leaseUntil: t0 + LEASE_MS }),
        );
        expect(held).toHaveLength(2);
        // node-alive heartbeats; node-silent stops. Not silent long enough yet: nothing moves.
        await store.nodes.heartbeat('node-alive', t0 + 20_000);
        const sweep = (at: number, by: string) =>
          store.nodes.markSilentNodesStopped({ heartbeatBefore: at - 30_000, exceptNodeId: by, now: at });
        expect(await sweep(t0 + 29_000, 'node-alive')).toEqual([]);
        expect(await store.queue.requeueHeldByStoppedNodes(t0 + 29_000)).toBe(0);
        // Two sweepers at once: the node is declared gone once. A sweeper never declares itself gone.
        await store.nodes.heartbeat('node-alive', t0 + 31_000);
        const [first, second] = await Promise.all([sweep(t0 + 31_000, 'node-alive'), sweep(t0 + 31_000, 'node-x')]);
        expect([...(first ?? []), ...(second ?? [])].sort()).toEqual(['node-silent']);
        expect(await sweep(t0 + 100_000, 'node-alive')).toEqual([]);
        expect((await store.nodes.list()).find((node) => node.id === 'node-silent')).toMatchObject({
          stoppedAt: t0 + 31_000,
          stopReason: 'heartbeat-lost',
        });
        // Its work goes back to the queue, long before its leases would have run out.
        expect(await store.queue.requeueHeldByStoppedNodes(t0 + 31_000)).toBe(2);
        for (const instance of held) {
          expect(await store.reads.getTaskInstance(instance.id)).toMatchObject({ status: 'Queued' });
        }
        expect(await store.queue.requeueHeldByStoppedNodes(t0 + 31_000)).toBe(0);
        // The silent node comes back: its heartbeat tells it it was declared gone; it registers again.
        expect(await store.nodes.heartbeat('node-silent', t0 + 32_000)).toBe(false);
        await register('node-silent', t0 + 32_000);
        expect(await store.nodes.heartbeat('node-silent', t0 + 33_000)).toBe(true);
        // Its renewals of what it held fail: another node may run those now.
        expect(
          await store.queue.renewLeases(
            'node-silent',
            held.map((i) => i.id),
            t0 + 33_000 + LEASE_MS,
          ),
        ).toEqual(held.map((i) => i.id));
        const retaken = await store.queue.transaction((tx) =>
          claimTaskInstances(tx, { nodeId: 'node-alive', limit: 10, now: t0 + 33_000, leaseUntil: t0 + 93_000 }),
        );
        expect(retaken.map((i) => i.id).sort()).toEqual(held.map((i) => i.id).sort());
        await finish(store, retaken, 'node-alive', t0 + 34_000);
      });

      it('forgets nodes stopped long ago, keeps the recent ones', async () => {
        const t0 = 2_000_000_000_000;
        await register('node-old', t0);
        await store.nodes.markStopped('node-old', 'shutdown', t0);
        await register('node-recent', t0);
        await store.nodes.markStopped('node-recent', 'shutdown', t0 + 10_000);
        expect(await store.nodes.deleteStoppedBefore(t0 + 5_000)).toBeGreaterThanOrEqual(1);
        const ids = (await store.nodes.list()).map((node) => node.id);
        expect(ids).not.toContain('node-old');
        expect(ids).toContain('node-recent');
      });
    },
  );
}
