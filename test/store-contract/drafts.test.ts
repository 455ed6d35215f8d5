import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeTaskInstance, type TaskCompletion } from '../../src/engine/progression.js';
import { RunDraft } from '../../src/engine/run-draft.js';
import type { RunState, TaskInstanceRecord } from '../../src/model/records.js';
import type { QueueTransaction } from '../../src/store/queue-store.js';
import type { Store } from '../../src/store/store.js';
import { BACKENDS, importWorkflow, newRun } from './backends.js';

const LEASE_MS = 30_000;
const NODE = 'node-draft';
const NO_SCOPE = { iterationParentId: null, iterationIndex: null };

/** The entry task succeeds; its Success hook starts task `nextTaskId`, held by this node. */
function entryDone(instance: TaskInstanceRecord, nextTaskId: number, now: number): TaskCompletion {
  return {
    instanceId: instance.id,
    runId: instance.runId,
    nodeId: NODE,
    now,
    status: 'Success',
    dataOut: { stored: { outPatch: null, outWhole: '{"step":1}' }, data: { step: 1 } },
    log: 'entry\n',
    successors: [
      {
        taskId: nextTaskId,
        name: 'Next',
        actionType: 'Logic::ResponseFormatter',
        previousId: instance.id,
        dataIn: { baseId: instance.id, inPatch: null, inWhole: null },
        data: null,
        scope: NO_SCOPE,
        isMergeArrival: false,
      },
    ],
    scope: NO_SCOPE,
    claimSuccessorsUntil: now + LEASE_MS,
  };
}

/** The held successor answers 201 and ends the run. */
function lastDone(instance: TaskInstanceRecord, now: number): TaskCompletion {
  return {
    instanceId: instance.id,
    runId: instance.runId,
    nodeId: NODE,
    now,
    status: 'Success',
    dataOut: { stored: { outPatch: '[]', outWhole: null }, data: { step: 1 } },
    log: null,
    response: { code: 201, body: { answered: true }, runResult: 'Success' },
    successors: [],
    scope: NO_SCOPE,
    claimSuccessorsUntil: now + LEASE_MS,
  };
}

/** A run and its task instances as stored, without what differs between two runs (ids, names, times). */
async function storedShape(store: Store, runId: number) {
  const run = (await store.queue.getRunState(runId)) as RunState;
  const instances = await store.reads.listTaskInstances(runId);
  const position = new Map(instances.map((instance, index) => [instance.id, index]));
  return {
    run: {
      status: run.status,
      result: run.result,
      response: run.response,
      responseResult: run.responseResult,
      errorClass: run.errorClass,
      isStarted: run.startedAt !== null,
      isFinished: run.finishedAt !== null,
    },
    instances: instances.map((instance) => ({
      name: instance.name,
      status: instance.status,
      previous: instance.previousId === null ? null : position.get(instance.previousId),
      base: instance.storedData.baseId === null ? null : position.get(instance.storedData.baseId),
      data: [instance.storedData.inWhole, instance.storedData.inPatch, instance.storedData.outWhole],
      outPatch: instance.storedData.outPatch,
      log: instance.log,
      attempt: instance.attempt,
      isEnded: instance.endedAt !== null,
    })),
  };
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skipReason !== null)(
    `run drafts: ${backend.name}${backend.skipReason ? ` (skipped: ${backend.skipReason})` : ''}`,
    () => {
      let store: Store;
      let cleanup: () => Promise<void>;
      let seeded: Awaited<ReturnType<typeof importWorkflow>>;
      beforeAll(async () => {
        ({ store, cleanup } = await backend.open());
        seeded = await importWorkflow(store);
      });
      afterAll(async () => cleanup());

      const held = (now: number) => ({ nodeId: NODE, leaseUntil: now + LEASE_MS });
      const syncRun = (now: number) => newRun(seeded, now, { mode: 'sync', claimFor: held(now) });
      const draftOf = async (now: number) => {
        const start = await store.queue.draftRun?.(syncRun(now));
        if (!start) throw new Error(`${backend.name} drafts no run`);
        return new RunDraft(start, held(now), {
          queue: store.queue,
          notifier: store.notifier,
          leaseMs: LEASE_MS,
          now: () => now,
        });
      };
      /** Moves a run through entry → next → final with `transaction`, from its entry instance. */
      const moveOn = async (
        transaction: <T>(work: (tx: QueueTransaction) => Promise<T>) => Promise<T>,
        entry: TaskInstanceRecord,
        now: number,
        between?: () => Promise<void>,
      ) => {
        const first = await transaction((tx) => completeTaskInstance(tx, entryDone(entry, seeded.taskId, now)));
        expect(first.applied).toBe(true);
        const [next] = first.successors;
        if (!next) throw new Error('no successor');
        await between?.();
        const last = await transaction((tx) => completeTaskInstance(tx, lastDone(next.instance, now + 5)));
        expect(last.runBecameFinal).toBe(true);
        return last.run as RunState;
      };

      it('a drafted run is not in the store until written, then stored as the same steps would have stored it', async () => {
        const now = Date.now();
        const stored = await store.queue.createRun(syncRun(now));
        const [storedEntry] = stored.instances;
        await moveOn((work) => store.queue.transaction(work), storedEntry as TaskInstanceRecord, now);

        const draft = await draftOf(now);
        expect(draft.run.id).not.toBe(stored.run.id);
        expect(draft.run.name).not.toBe(stored.run.name);
        expect(await store.queue.getRunState(draft.run.id)).toBeUndefined();
        const final = await moveOn((work) => draft.transaction(work), draft.instances[0] as TaskInstanceRecord, now);
        // Final: written before the last transaction returned.
        expect(draft.isWritten).toBe(true);
        expect(final.status).toBe('Finished');
        expect(await store.queue.getRunState(draft.run.id)).toEqual(final);
        expect(await storedShape(store, draft.run.id)).toEqual(await storedShape(store, stored.run.id));
        const shape = await storedShape(store, draft.run.id);
        expect(shape.run).toMatchObject({
          status: 'Finished',
          result: 'Success',
          response: { code: 201, body: { answered: true } },
        });
        expect(shape.instances.map((instance) => instance.status)).toEqual(['Success', 'Success']);
      });

      it('written half-way (before a task with side effects), the rest is stored step by step, to the same end', async () => {
        const now = Date.now();
        const reference = await store.queue.createRun(syncRun(now));
        await moveOn((work) => store.queue.transaction(work), reference.instances[0] as TaskInstanceRecord, now);

        const draft = await draftOf(now);
        await moveOn(
          (work) => draft.transaction(work),
          draft.instances[0] as TaskInstanceRecord,
          now,
          async () => {
            expect(draft.isWritten).toBe(false);
            await draft.write();
            const written = await store.reads.listTaskInstances(draft.run.id);
            expect(written.map((instance) => instance.status)).toEqual(['Success', 'Processing']);
            expect((await store.queue.getRunState(draft.run.id))?.status).toBe('Processing');
          },
        );
        expect(await storedShape(store, draft.run.id)).toEqual(await storedShape(store, reference.run.id));
      });

      it('a run of 2,500 task instances is written whole (past what one statement may carry on PostgreSQL)', async () => {
        const now = Date.now();
        const draft = await draftOf(now);
        const entry = draft.instances[0] as TaskInstanceRecord;
        await draft.transaction(async (tx) => {
          for (let i = 0; i < 2_499; i += 1) {
            await tx.insertTaskInstance({
              run: draft.run,
              taskId: seeded.taskId,
              name: `Step ${i}`,
              actionType: 'Logic::ResponseFormatter',
              status: 'Queued',
              previousId: entry.id,
              dataIn: { baseId: entry.id, inPatch: null, inWhole: null },
              heldBy: null,
              scope: NO_SCOPE,
              waitingOn: null,
              rerunOf: null,
              now,
            });
          }
        });
        expect(draft.isWritten).toBe(false);
        const writing = draft.write();
        // Its leases are renewed only once its rows are there: not while the write is under way.
        expect(draft.isStored).toBe(false);
        await writing;
        expect(draft.isWritten).toBe(true);
        expect(draft.isStored).toBe(true);
        const stored = await store.reads.listTaskInstances(draft.run.id);
        expect(stored).toHaveLength(2_500);
        expect(new Set(stored.map((instance) => instance.id)).size).toBe(2_500);
        expect(stored.filter((instance) => instance.status === 'Queued')).toHaveLength(2_499);
      });

      it('a transaction that throws changes nothing of the draft', async () => {
        const now = Date.now();
        const draft = await draftOf(now);
        const entry = draft.instances[0] as TaskInstanceRecord;
        await expect(
          draft.transaction(async (tx) => {
            await completeTaskInstance(tx, entryDone(entry, seeded.taskId, now));
            throw new Error('the work failed after its changes');
          }),
        ).rejects.toThrow('the work failed');
        const after = await draft.transaction(async (tx) => tx.getTaskInstance(entry.id));
        expect(after?.status).toBe('Processing');
        expect(await draft.transaction(async (tx) => tx.runCounts(draft.run.id))).toEqual({ active: 1, waiting: 0 });
        expect(draft.isWritten).toBe(false);
      });

      it('drafts written at once are all stored, and one that cannot be stored fails alone', async () => {
        const now = Date.now();
        const taken = await store.queue.createRun(syncRun(now));
        const starts = await Promise.all([1, 2, 3].map(() => store.queue.draftRun?.(syncRun(now))));
        const [first, clashing, third] = starts;
        if (!first || !clashing || !third) throw new Error(`${backend.name} drafts no run`);
        const rowsOf = (start: typeof first) => ({
          run: start.run,
          responseJson: null,
          instances: start.instances.map((record) => ({ record, heldBy: held(now) })),
        });
        // The second carries the id of a stored run: its INSERT fails, wherever it is written.
        const clashingRows = { ...rowsOf(clashing), run: { ...clashing.run, id: taken.run.id } };
        // Text that array literals must quote: it is stored as it is, not as a NULL or split.
        const awkward = 'NULL, "quoted" \\ {braces} ünïcödé\n';
        const firstRows = rowsOf(first);
        const [entry] = firstRows.instances;
        if (!entry) throw new Error('no entry instance');
        firstRows.instances = [{ ...entry, record: { ...entry.record, log: awkward } }];
        const outcomes = await Promise.allSettled([
          first.write(firstRows),
          clashing.write(clashingRows),
          third.write(rowsOf(third)),
        ]);
        expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect((await store.queue.getRunState(first.run.id))?.status).toBe('Processing');
        expect((await store.queue.getRunState(third.run.id))?.status).toBe('Processing');
        expect(await store.reads.listTaskInstances(third.run.id)).toHaveLength(1);
        expect((await store.reads.listTaskInstances(first.run.id)).map((instance) => instance.log)).toEqual([awkward]);
        expect(await store.queue.getRunState(clashing.run.id)).toBeUndefined();
      });
    },
  );
}
