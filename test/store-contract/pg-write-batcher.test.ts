import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROW_TYPES } from '../../src/store/postgres/database.js';
import { PgWriteBatcher } from '../../src/store/postgres/write-batcher.js';
import { createPostgresDatabase, postgresSkipReason } from '../helpers/postgres.js';

const skipReason = await postgresSkipReason();

/** A batcher's writes on a scratch table, with a count of how often each write's body ran. */
describe.skipIf(skipReason !== null)(`PostgreSQL group commit${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let pool: pg.Pool;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const database = await createPostgresDatabase();
    drop = database.drop;
    pool = new pg.Pool({ connectionString: database.url, max: 4, types: ROW_TYPES });
    await pool.query('CREATE TABLE items (id INTEGER PRIMARY KEY, note TEXT)');
    // Checked at COMMIT: a write that violates it fails the batch's COMMIT, not its statement.
    await pool.query('CREATE TABLE deferred (id INTEGER, CONSTRAINT one_id UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)');
  });
  afterAll(async () => {
    await pool.end();
    await drop();
  });

  const insert = (id: number) => async (client: pg.PoolClient) => {
    await client.query('INSERT INTO items (id) VALUES ($1)', [id]);
    return (await client.query<{ tx: string }>('SELECT txid_current()::text AS tx')).rows[0]?.tx;
  };
  /** A transaction of its own, run again after a deadlock (as the queue's fallback does). */
  const alone = (work: (client: pg.PoolClient) => Promise<unknown>) => async () => {
    for (let attempt = 1; ; attempt++) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const value = await work(client);
        await client.query('COMMIT');
        return value;
      } catch (error) {
        await client.query('ROLLBACK');
        if (attempt >= 3 || (error as { code?: string }).code !== '40P01') throw error;
      } finally {
        client.release();
      }
    }
  };

  it('the writes of one turn share one transaction and resolve after its commit', async () => {
    const batcher = new PgWriteBatcher(pool, { maxConcurrentBatches: 2 });
    const sizes: number[] = [];
    const observed = new PgWriteBatcher(pool, {
      maxConcurrentBatches: 2,
      observer: { commitBatch: (size) => sizes.push(size) },
    });
    const writes = [1, 2, 3, 4, 5].map((id) => observed.run(insert(id), alone(insert(id))));
    const txids = await Promise.all(writes);
    expect(new Set(txids).size).toBe(1);
    expect(sizes).toEqual([5]);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM items WHERE id <= 5');
    expect(rows[0]?.n).toBe(5);
    // Writes of later turns go to other transactions.
    const first = await batcher.run(insert(6), alone(insert(6)));
    const second = await batcher.run(insert(7), alone(insert(7)));
    expect(first).not.toBe(second);
  });

  it('a write that fails rolls its batch back; the others run again alone and commit, the failure is its own', async () => {
    const batcher = new PgWriteBatcher(pool, { maxConcurrentBatches: 1 });
    const runs = new Map<number, number>();
    const counted =
      (id: number, work: (client: pg.PoolClient) => Promise<unknown>) => async (client: pg.PoolClient) => {
        runs.set(id, (runs.get(id) ?? 0) + 1);
        return work(client);
      };
    // id 1 exists already: its INSERT fails with a unique violation.
    const ids = [10, 11, 1, 12];
    const outcomes = await Promise.allSettled(
      ids.map((id) => batcher.run(counted(id, insert(id)), alone(counted(id, insert(id))))),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(((outcomes[2] as PromiseRejectedResult).reason as { code?: string }).code).toBe('23505');
    const { rows } = await pool.query<{ id: number }>('SELECT id FROM items WHERE id >= 10 ORDER BY id');
    expect(rows.map((row) => row.id)).toEqual([10, 11, 12]);
    // In the batch (10, 11, 1: 12 never ran there), then each alone.
    expect(Object.fromEntries(runs)).toEqual({ 10: 2, 11: 2, 1: 2, 12: 1 });
  });

  it('two batches that deadlock each other: PostgreSQL breaks it, every write still commits once', async () => {
    await pool.query("INSERT INTO items (id, note) VALUES (100, 'a'), (101, 'b')");
    const batcher = new PgWriteBatcher(pool, { maxConcurrentBatches: 2 });
    let bothLocked!: () => void;
    const barrier = new Promise<void>((resolve) => (bothLocked = resolve));
    let locked = 0;
    const lockThen = (first: number, second: number, note: string) => async (client: pg.PoolClient) => {
      await client.query('UPDATE items SET note = note || $2 WHERE id = $1', [first, note]);
      locked += 1;
      if (locked === 2) bothLocked();
      await barrier;
      await client.query('UPDATE items SET note = note || $2 WHERE id = $1', [second, note]);
      return note;
    };
    const a = batcher.run(lockThen(100, 101, 'x'), alone(lockThen(100, 101, 'x')));
    // The next turn: a second batch, on another connection.
    await new Promise((resolve) => setImmediate(resolve));
    const b = batcher.run(lockThen(101, 100, 'y'), alone(lockThen(101, 100, 'y')));
    expect(await Promise.all([a, b])).toEqual(['x', 'y']);
    const { rows } = await pool.query<{ id: number; note: string }>(
      'SELECT id, note FROM items WHERE id IN (100, 101) ORDER BY id',
    );
    // Each write applied exactly once, whichever order they ended in.
    expect(rows.map((row) => [...row.note].sort().join(''))).toEqual(['axy', 'bxy']);
  });

  it('a failed COMMIT is not run again: it might have been applied', async () => {
    const batcher = new PgWriteBatcher(pool, { maxConcurrentBatches: 1 });
    let bodies = 0;
    const write = (value: number) => async (client: pg.PoolClient) => {
      bodies += 1;
      await client.query('INSERT INTO deferred (id) VALUES ($1)', [value]);
    };
    const outcomes = await Promise.allSettled([
      batcher.run(write(1), alone(write(1))),
      batcher.run(write(1), alone(write(1))),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(bodies).toBe(2);
    expect((await pool.query('SELECT * FROM deferred')).rowCount).toBe(0);
  });
});
