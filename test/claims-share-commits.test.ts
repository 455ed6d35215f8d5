import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import { pollUntil } from './helpers/runs.js';
import { importWorkflow, newRun } from './store-contract/backends.js';

/**
 * Issue 14, the claim loop (engine/claim-loop.ts): on SQLite, where the transactions of one turn of the
 * event loop share one commit in the order queued, the claim for the slots whose outcomes are being
 * written is queued before the batch flushes. A round of executions then costs one commit (its outcomes
 * and the next round's claim), not two, each with its fsync.
 */

let store: Store | undefined;
let engine: Engine | undefined;
let dir: string | undefined;

afterEach(async () => {
  await engine?.stop(0);
  await store?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  [engine, store, dir] = [undefined, undefined, undefined];
});

describe('draining standard runs on SQLite', () => {
  it("commits each round's outcomes together with the claim of the next round", async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-claims-share-'));
    const commits: number[] = [];
    store = await openStore(`sqlite:${path.join(dir, 'weir.db')}`, {
      role: 'server',
      observer: { commitBatch: (size) => commits.push(size) },
    });
    const seeded = await importWorkflow(store);
    const concurrency = 8;
    const rounds = 6;
    const runIds: number[] = [];
    for (let i = 0; i < concurrency * rounds; i++) {
      runIds.push((await store.queue.createRun(newRun(seeded, Date.now()))).run.id);
    }
    commits.length = 0;
    engine = new Engine({
      store,
      workerConcurrency: concurrency,
      leaseSweepIntervalMs: 60_000,
      logError: (message, error) => process.stderr.write(`${message}: ${String(error)}\n`),
    });
    await engine.start();
    const reads = store.reads;
    await pollUntil(
      async () => {
        for (const id of runIds) if ((await reads.getRun(id))?.status !== 'Finished') return undefined;
        return true;
      },
      { timeoutMs: 20_000, description: 'every queued run finished' },
    );
    // Every round's outcomes (one write each) shared a commit with the next claim (one write).
    const shared = commits.filter((size) => size === concurrency + 1);
    expect(shared.length, `commits: ${commits.join(' ')}`).toBeGreaterThanOrEqual(rounds - 1);
    // Start-up (the node's registration, the recovery, the first claim), then one commit per round.
    expect(commits.length, `commits: ${commits.join(' ')}`).toBeLessThanOrEqual(rounds + 4);
  });
});
