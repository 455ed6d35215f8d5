import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimTaskInstances } from '../../src/engine/claims.js';
import { initialData } from '../../src/model/initial-data.js';
import type { RunRecord, StoredDataIn, StoredDataOut, TaskInstanceRecord } from '../../src/model/records.js';
import type { OutcomeWrite } from '../../src/store/queue-store.js';
import type { Store } from '../../src/store/store.js';
import { BACKENDS, importWorkflow, newRun, type RawSql } from './backends.js';

/**
 * The store's part of "Data stored once" (docs/architecture.md): task instances' Data written as
 * changes from a base, rebuilt by `readData` and by the read model; an Iterate's items stored once and
 * read back by index; retention taking them away with their run. Every test runs on each backend.
 */

const NODE = 'node-data';
const LEASE_MS = 60_000;

function set(path: string[], value: unknown): string {
  return JSON.stringify([{ op: 'set', path, value }]);
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skipReason !== null)(
    `Data storage contract: ${backend.name}${backend.skipReason ? ` (skipped: ${backend.skipReason})` : ''}`,
    () => {
      let store: Store;
      let sql: RawSql;
      let cleanup: () => Promise<void>;
      beforeAll(async () => {
        ({ store, sql, cleanup } = await backend.open());
      });
      afterAll(async () => cleanup());

      /** A run (inputs `{order: {id: 5}}`) with its entry instance claimed by NODE. */
      async function claimedEntry(): Promise<{ run: RunRecord; entry: TaskInstanceRecord }> {
        const seeded = await importWorkflow(store);
        const now = Date.now();
        const { run } = await store.queue.createRun(newRun(seeded, now, { inputs: { order: { id: 5 } } }));
        const claimed = await store.queue.transaction((tx) =>
          claimTaskInstances(tx, { nodeId: NODE, limit: 100, now, leaseUntil: now + LEASE_MS }),
        );
        const entry = claimed.find((instance) => instance.runId === run.id);
        if (!entry) throw new Error('the entry instance was not claimed');
        return { run, entry };
      }

      function outcome(id: number, dataOut: StoredDataOut | null, extra: Partial<OutcomeWrite> = {}): OutcomeWrite {
        const now = Date.now();
        return {
          id,
          nodeId: NODE,
          status: 'Success',
          dataOut,
          state: null,
          waitingOn: null,
          dueAt: null,
          isNextAttempt: false,
          error: null,
          isUnhandledError: false,
          log: null,
          endedAt: now,
          now,
          ...extra,
        };
      }

      async function insert(run: RunRecord, dataIn: StoredDataIn, previousId: number): Promise<TaskInstanceRecord> {
        return store.queue.transaction((tx) =>
          tx.insertTaskInstance({
            run,
            taskId: 1,
            name: 'Next',
            actionType: 'Logic::Liquid',
            status: 'Processing',
            previousId,
            dataIn,
            heldBy: { nodeId: NODE, leaseUntil: Date.now() + LEASE_MS },
            scope: { iterationParentId: null, iterationIndex: null },
            waitingOn: null,
            rerunOf: null,
            now: Date.now(),
          }),
        );
      }

      it('keeps an input Data as its base output by reference plus changes, and rebuilds each one whole', async () => {
        const { run, entry } = await claimedEntry();
        const initial = initialData(run);
        const addA = set(['Liquid'], { a: 1 });
        expect(
          await store.queue.transaction((tx) => tx.writeOutcome(outcome(entry.id, { outPatch: addA, outWhole: null }))),
        ).toBe(true);
        // A successor: the entry's output by reference, nothing copied.
        const next = await insert(run, { baseId: entry.id, inPatch: null, inWhole: null }, entry.id);
        expect(next.storedData).toEqual({
          baseId: entry.id,
          inPatch: null,
          inWhole: null,
          outPatch: null,
          outWhole: null,
        });
        await store.queue.transaction((tx) =>
          tx.writeOutcome(outcome(next.id, { outPatch: set(['Liquid', 'b'], 'two'), outWhole: null })),
        );
        // A failure branch's input: the output plus Tasks.Previous.
        const failure = await insert(
          run,
          { baseId: next.id, inPatch: set(['Tasks'], { Previous: { Id: next.id } }), inWhole: null },
          next.id,
        );

        const rebuilt = await store.queue.readData([next.id, entry.id, failure.id, 999_999_999]);
        expect(rebuilt.outs.get(entry.id)?.data).toEqual({ ...initial, Liquid: { a: 1 } });
        expect(rebuilt.outs.get(next.id)).toMatchObject({ data: { ...initial, Liquid: { a: 1, b: 'two' } }, depth: 2 });
        // No output yet, or no such instance: left out.
        expect(rebuilt.outs.has(failure.id)).toBe(false);
        expect(rebuilt.outs.has(999_999_999)).toBe(false);
        // The chain started at the run's initial Data: the very object the outputs share.
        expect(rebuilt.initials.get(run.id)?.data).toEqual(initial);
        expect(rebuilt.outs.get(next.id)?.data.order).toBe(rebuilt.initials.get(run.id)?.data.order);

        const view = await store.reads.getTaskInstance(failure.id);
        expect(view).toMatchObject({
          dataIn: { ...initial, Liquid: { a: 1, b: 'two' }, Tasks: { Previous: { Id: next.id } } },
          dataOut: null,
        });
        expect(await store.reads.getTaskInstance(entry.id)).toMatchObject({
          dataIn: initial,
          dataOut: { ...initial, Liquid: { a: 1 } },
        });
        const listed = await store.reads.findTaskInstances({ runId: run.id }, { offset: 0, limit: 10 });
        expect(listed.map((i) => [i.id, i.dataOut])).toEqual([
          [failure.id, null],
          [next.id, { ...initial, Liquid: { a: 1, b: 'two' } }],
          [entry.id, { ...initial, Liquid: { a: 1 } }],
        ]);
        // Inside a transaction, the same (it sees its own writes).
        const inside = await store.queue.transaction(async (tx) => {
          await tx.writeOutcome(outcome(failure.id, { outPatch: '[]', outWhole: null }));
          return tx.readData([failure.id]);
        });
        expect(inside.outs.get(failure.id)?.data).toEqual(view?.dataIn);
      });

      it('whole Data wins over base and patch; an input rebased with an outcome keeps its Data', async () => {
        const { run, entry } = await claimedEntry();
        const initial = initialData(run);
        await store.queue.transaction((tx) =>
          tx.writeOutcome(outcome(entry.id, { outPatch: null, outWhole: JSON.stringify({ whole: true }) })),
        );
        const next = await insert(run, { baseId: entry.id, inPatch: set(['x'], 1), inWhole: null }, entry.id);
        expect((await store.reads.getTaskInstance(next.id))?.dataIn).toEqual({ whole: true, x: 1 });
        // The same input, now as the changes since the run's initial Data (what a rebase writes).
        const rebased = {
          baseId: null,
          inPatch: JSON.stringify([
            { op: 'set', path: ['x'], value: 1 },
            { op: 'remove', path: ['order'] },
          ]),
          inWhole: null,
        };
        expect(
          await store.queue.transaction((tx) =>
            tx.writeOutcome(outcome(next.id, { outPatch: '[]', outWhole: null }, { rebaseIn: rebased })),
          ),
        ).toBe(true);
        const { order: _order, ...withoutOrder } = initial;
        expect(await store.reads.getTaskInstance(next.id)).toMatchObject({
          storedData: { ...rebased, outPatch: '[]', outWhole: null },
          dataIn: { ...withoutOrder, x: 1 },
          dataOut: { ...withoutOrder, x: 1 },
        });
        // setDataIn (a Merge arrival) replaces the form of a waiting instance's input, here with whole Data.
        await store.queue.transaction((tx) =>
          tx.setDataIn(next.id, { baseId: null, inPatch: null, inWhole: '{"merged":[1,2]}' }, Date.now()),
        );
        expect((await store.reads.getTaskInstance(next.id))?.dataIn).toEqual({ merged: [1, 2] });
      });

      it("stores an Iterate's items once, in order and as written, and reads them back by index", async () => {
        const { entry } = await claimedEntry();
        // 250: more than one multi-row statement on SQLite, and a remainder.
        const items = Array.from({ length: 250 }, (_, i) => JSON.stringify({ n: i }));
        items[3] = '0.30000000000000004';
        items[4] = '"é \\" \\u2028"';
        items[5] = 'true';
        items[6] = 'null';
        items[7] = '[1,{"a":[]}]';
        await store.queue.transaction((tx) => tx.insertIterationItems(entry.id, items));
        expect(await store.queue.iterationItems(entry.id, 0, 3)).toEqual(items.slice(0, 3));
        expect((await store.queue.iterationItems(entry.id, 3, 5)).map((item) => JSON.parse(item) as unknown)).toEqual([
          0.30000000000000004,
          'é " \u2028',
          true,
          null,
          [1, { a: [] }],
        ]);
        expect(await store.queue.iterationItems(entry.id, 248, 10)).toEqual(items.slice(248));
        expect(await store.queue.iterationItems(entry.id, 250, 10)).toEqual([]);
        expect(await store.queue.iterationItems(entry.id, 0, 0)).toEqual([]);
        expect(await store.queue.iterationItems(entry.id + 1_000_000, 0, 10)).toEqual([]);
        // Each item once: storing them again is refused (a bug), not a second copy.
        await expect(
          store.queue.transaction((tx) => tx.insertIterationItems(entry.id, items.slice(0, 1))),
        ).rejects.toThrow();
        expect(await store.queue.iterationItems(entry.id, 0, 1000)).toHaveLength(250);
      });

      it('keeps large inputs once: a run is read whole with them, listed without them, found by their text', async () => {
        const seeded = await importWorkflow(store);
        const blob = `${'x'.repeat(10_000)}needle-${backend.name}`;
        const { run } = await store.queue.createRun(newRun(seeded, Date.now(), { inputs: { Workflow: { blob } } }));
        expect((await store.reads.getRun(run.id))?.inputs).toEqual({ Workflow: { blob } });
        // The engine reads the run without them, and its initial Data with them.
        const state = await store.queue.getRunState(run.id);
        expect(state).toMatchObject({ id: run.id, status: 'Queued' });
        expect(state).not.toHaveProperty('inputs');
        const { initials } = await store.queue.readData([], [run.id]);
        expect(initials.get(run.id)?.data).toEqual(initialData({ ...run, inputs: { Workflow: { blob } } }));
        const listed = await store.reads.listRuns({ inputText: `NEEDLE-${backend.name}` }, { offset: 0, limit: 10 });
        expect(listed.map((r) => r.id)).toEqual([run.id]);
        expect(listed[0]).not.toHaveProperty('inputs');
        expect(await store.reads.listRuns({ inputText: 'needle-nowhere' }, { offset: 0, limit: 10 })).toEqual([]);
        // An idempotent repeat answers with the first run, inputs and all.
        const keyed = newRun(seeded, Date.now(), { inputs: { Workflow: { blob } }, idempotencyKey: 'large-1' });
        const first = await store.queue.createRun(keyed);
        const again = await store.queue.createRun(keyed);
        expect(again).toMatchObject({ created: false, run: { id: first.run.id, inputs: { Workflow: { blob } } } });
      });

      it("retention deletes an expired run's Iterate items with its task instances, within its row budget", async () => {
        const { run, entry } = await claimedEntry();
        await sql('UPDATE task_instances SET action_type = ? WHERE id = ?', ['Iterate', entry.id]);
        await store.queue.transaction((tx) =>
          tx.insertIterationItems(
            entry.id,
            Array.from({ length: 30 }, (_, i) => String(i)),
          ),
        );
        await store.queue.transaction((tx) => tx.writeOutcome(outcome(entry.id, { outPatch: '[]', outWhole: null })));
        await sql("UPDATE runs SET status = 'Finished', finished_at = ? WHERE id = ?", [1, run.id]);
        await sql('UPDATE versions SET delete_ttl = 1 WHERE id = ?', [run.versionId]);
        const now = Date.now();
        const first = await store.queue.deleteExpiredRuns({ now, maxRows: 20 });
        expect(first).toMatchObject({ iterationItems: 19, taskInstances: 0, runs: 0, hasMore: true });
        let batch = first;
        for (let i = 0; i < 10 && batch.hasMore; i++) batch = await store.queue.deleteExpiredRuns({ now, maxRows: 20 });
        expect(await store.queue.iterationItems(entry.id, 0, 100)).toEqual([]);
        expect(await store.reads.getRun(run.id)).toBeUndefined();
        expect(await sql('SELECT count(*) AS n FROM iteration_items WHERE iterate_id = ?', [entry.id])).toEqual([
          { n: 0 },
        ]);
      });
    },
  );
}
