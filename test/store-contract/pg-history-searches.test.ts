import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchTimeoutError } from '../../src/model/errors.js';
import { MAX_WAITING_SEARCHES } from '../../src/store/history-search.js';
import { PgHistorySearches } from '../../src/store/postgres/history-searches.js';
import { POSTGRES_ADMIN_URL, postgresSkipReason } from '../helpers/postgres.js';

const skipReason = await postgresSkipReason();

/**
 * The bounds of a search of the history on PostgreSQL (store/postgres/history-searches.ts), with real
 * statements that take their time (`pg_sleep`): two searches hold a connection at once, the rest wait;
 * a search past its deadline is stopped in the database and its connection serves the next statement.
 */
describe.skipIf(skipReason !== null)(
  `searches of the history on PostgreSQL${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let pool: pg.Pool;
    const tag = `search_${randomBytes(4).toString('hex')}`;

    beforeAll(() => {
      pool = new pg.Pool({ connectionString: POSTGRES_ADMIN_URL, max: 4 });
    });
    afterAll(async () => {
      await pool.end();
    });

    /** Statements of this test running now in the database. */
    async function runningNow(): Promise<number> {
      const rows = await pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1",
        [`%${tag}%`],
      );
      return rows.rows[0]?.n ?? 0;
    }

    /** The most statements of this test running at once while `work` runs, polled every 20 ms, and its result. */
    async function mostRunningWhile<T>(work: Promise<T>): Promise<{ most: number; result: T }> {
      let most = 0;
      let isDone = false;
      void work.finally(() => {
        isDone = true;
      });
      while (!isDone) {
        most = Math.max(most, await runningNow());
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return { most, result: await work };
    }

    it('runs two searches at a time; the others wait their turn and are answered', async () => {
      const searches = new PgHistorySearches(pool);
      const { most, result } = await mostRunningWhile(
        Promise.all([1, 2, 3, 4, 5].map((i) => searches.query(`SELECT ${i} AS n, pg_sleep(0.3), '${tag}' AS tag`, []))),
      );
      expect(result.map((rows) => rows[0]?.n)).toEqual([1, 2, 3, 4, 5]);
      expect(most).toBe(2);
    });

    it('stops a search at its deadline in the database, and its connection serves the next statement as it was', async () => {
      // One connection: the statement after the search runs on the connection the search used.
      const single = new pg.Pool({ connectionString: POSTGRES_ADMIN_URL, max: 1 });
      try {
        const before = (await single.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0];
        const searches = new PgHistorySearches(single, 200);
        const started = performance.now();
        await expect(searches.query(`SELECT pg_sleep(5), '${tag}' AS tag`, [])).rejects.toBeInstanceOf(
          SearchTimeoutError,
        );
        expect(performance.now() - started).toBeLessThan(2_000);
        expect(await runningNow()).toBe(0);
        // The search's statement_timeout ended with its transaction.
        expect((await single.query('SHOW statement_timeout')).rows[0]).toEqual(before);
        expect(await searches.query<{ n: number }>('SELECT 7 AS n', [])).toEqual([{ n: 7 }]);
      } finally {
        await single.end();
      }
    });

    it('leaves the engine a connection: in a pool of two, one search at a time', async () => {
      const pair = new pg.Pool({ connectionString: POSTGRES_ADMIN_URL, max: 2 });
      try {
        const searches = new PgHistorySearches(pair);
        const { most } = await mostRunningWhile(
          Promise.all([1, 2, 3].map(() => searches.query(`SELECT pg_sleep(0.2), '${tag}' AS tag`, []))),
        );
        expect(most).toBe(1);
      } finally {
        await pair.end();
      }
    });

    it('fails at once a search asked while too many wait', async () => {
      const searches = new PgHistorySearches(pool, 10_000);
      const queued = Array.from({ length: 2 + MAX_WAITING_SEARCHES }, () =>
        searches.query(`SELECT pg_sleep(0.05), '${tag}' AS tag`, []),
      );
      await expect(searches.query('SELECT 1', [])).rejects.toBeInstanceOf(SearchTimeoutError);
      // The ones already waiting are answered in turn (2 at a time, 0.05 s each: ~2 s).
      await Promise.all(queued);
    }, 30_000);
  },
);
