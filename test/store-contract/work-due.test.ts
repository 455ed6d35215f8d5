import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimTaskInstances } from '../../src/engine/claims.js';
import { Engine } from '../../src/engine/engine.js';
import { completeTaskInstance } from '../../src/engine/progression.js';
import type { Store } from '../../src/store/store.js';
import { pollUntil } from '../helpers/runs.js';
import { BACKENDS, importWorkflow, newRun } from './backends.js';

/**
 * A task instance another node made `Pending` until a due time (a delay, a retry) is run by this node's
 * idle engine at that time: the `work-due` hint (delivered across nodes by the store's notifier) sets
 * its claim loop's timer. Nothing else would wake it: no new work, and a sweep a minute away.
 */
for (const backend of BACKENDS) {
  describe.skipIf(backend.skipReason !== null)(
    `work due later, written by another node: ${backend.name}${backend.skipReason ? ` (skipped: ${backend.skipReason})` : ''}`,
    () => {
      let store: Store;
      let cleanup: () => Promise<void>;
      let engine: Engine;
      beforeAll(async () => {
        ({ store, cleanup } = await backend.open());
        engine = new Engine({
          store,
          workerConcurrency: 2,
          leaseSweepIntervalMs: 60_000,
          logError: (message, error) => process.stderr.write(`${message}: ${String(error)}\n`),
        });
        await engine.start();
      });
      afterAll(async () => {
        await engine.stop(0);
        await cleanup();
      });

      it('an idle node runs it when it falls due', async () => {
        const seeded = await importWorkflow(store);
        const now = Date.now();
        // "Another node" (not this engine) takes the run's first task instance and makes it wait 400 ms.
        const { run } = await store.queue.createRun(newRun(seeded, now));
        const [held] = await store.queue.transaction((tx) =>
          claimTaskInstances(tx, { nodeId: 'node-elsewhere', limit: 1, now, leaseUntil: now + 60_000 }),
        );
        expect(held?.runId).toBe(run.id);
        if (!held) return;
        const dueAt = Date.now() + 400;
        const { applied } = await store.queue.transaction((tx) =>
          completeTaskInstance(tx, {
            instanceId: held.id,
            runId: held.runId,
            nodeId: 'node-elsewhere',
            now: Date.now(),
            status: 'Pending',
            dataOut: null,
            dueAt,
            log: null,
            successors: [],
            scope: { iterationParentId: null, iterationIndex: null },
            claimSuccessorsUntil: null,
          }),
        );
        expect(applied).toBe(true);
        store.notifier.publish({ kind: 'work-due', at: dueAt });
        const finished = await pollUntil(
          async () => {
            const instance = await store.reads.getTaskInstance(held.id);
            return instance?.status === 'Success' ? instance : undefined;
          },
          { timeoutMs: 10_000, description: 'the due task instance run by the idle engine' },
        );
        expect(finished.endedAt ?? 0).toBeGreaterThanOrEqual(dueAt);
        expect((await store.reads.getRun(run.id))?.status).toBe('Finished');
      });

      it('several due times heard of at once: each instance runs at its own', async () => {
        const seeded = await importWorkflow(store);
        const now = Date.now();
        for (let i = 0; i < 3; i++) await store.queue.createRun(newRun(seeded, now));
        const held = await store.queue.transaction((tx) =>
          claimTaskInstances(tx, { nodeId: 'node-elsewhere', limit: 3, now, leaseUntil: now + 60_000 }),
        );
        expect(held).toHaveLength(3);
        const dueTimes = [300, 900, 1_500].map((ms) => Date.now() + ms);
        for (const [i, instance] of held.entries()) {
          const dueAt = dueTimes[i] as number;
          await store.queue.transaction((tx) =>
            completeTaskInstance(tx, {
              instanceId: instance.id,
              runId: instance.runId,
              nodeId: 'node-elsewhere',
              now: Date.now(),
              status: 'Pending',
              dataOut: null,
              dueAt,
              log: null,
              successors: [],
              scope: { iterationParentId: null, iterationIndex: null },
              claimSuccessorsUntil: null,
            }),
          );
          store.notifier.publish({ kind: 'work-due', at: dueAt });
        }
        for (const [i, instance] of held.entries()) {
          const finished = await pollUntil(
            async () => {
              const read = await store.reads.getTaskInstance(instance.id);
              return read?.status === 'Success' ? read : undefined;
            },
            { timeoutMs: 10_000, description: `due task instance ${i + 1} run by the idle engine` },
          );
          expect(finished.endedAt ?? 0).toBeGreaterThanOrEqual(dueTimes[i] as number);
        }
      });
    },
  );
}
