import type pg from 'pg';
import { SearchTimeoutError } from '../../model/errors.js';
import { MAX_WAITING_SEARCHES, SEARCH_DEADLINE_MS } from '../history-search.js';

/**
 * At most this many searches of the history hold a pool connection at once (fewer in a pool of 1 or 2):
 * a search may read for seconds, and the engine's statements (claims, outcomes, triggers) need the rest.
 */
const MAX_RUNNING = 2;

/**
 * Runs the searches of the history (`listRuns`, `findTaskInstances`) on PostgreSQL within the bounds
 * every store keeps (`history-search.ts`): `MAX_RUNNING` at a time, `MAX_WAITING_SEARCHES` waiting, and
 * `SEARCH_DEADLINE_MS` from the asking, waiting included. The database does the reading, so the event
 * loop is never held; what is left of the deadline is the statement's `statement_timeout`, so the
 * database stops reading too.
 */
export class PgHistorySearches {
  private running = 0;
  private readonly waiting: Array<{ start(): void; timer: NodeJS.Timeout }> = [];
  /** The engine keeps at least one connection of the pool. */
  private readonly maxRunning: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly deadlineMs = SEARCH_DEADLINE_MS,
  ) {
    this.maxRunning = Math.max(1, Math.min(MAX_RUNNING, (pool.options.max ?? 10) - 1));
  }

  async query<Row extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<Row[]> {
    const asked = Date.now();
    await this.turn();
    try {
      return await this.read<Row>(sql, params, asked + this.deadlineMs);
    } finally {
      this.running -= 1;
      this.waiting.shift()?.start();
    }
  }

  /** Resolves when this search may run; rejects when too many wait, or its deadline passes waiting. */
  private turn(): Promise<void> {
    if (this.running < this.maxRunning) {
      this.running += 1;
      return Promise.resolve();
    }
    if (this.waiting.length >= MAX_WAITING_SEARCHES) return Promise.reject(new SearchTimeoutError('waiting'));
    return new Promise((resolve, reject) => {
      const entry = {
        start: () => {
          clearTimeout(entry.timer);
          this.running += 1;
          resolve();
        },
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(entry), 1);
          reject(new SearchTimeoutError('deadline', this.deadlineMs));
        }, this.deadlineMs),
      };
      this.waiting.push(entry);
    });
  }

  /** Runs the search on a connection of its own, to end by `deadline` (epoch ms), the wait for it included. */
  private async read<Row extends pg.QueryResultRow>(sql: string, params: unknown[], deadline: number): Promise<Row[]> {
    const client = await this.pool.connect();
    const leftMs = deadline - Date.now();
    let broken: Error | undefined;
    try {
      if (leftMs <= 0) throw new SearchTimeoutError('deadline', this.deadlineMs);
      await client.query('BEGIN READ ONLY');
      await client.query(`SET LOCAL statement_timeout = ${Math.ceil(leftMs)}`);
      const rows = (await client.query<Row>(sql, params)).rows;
      await client.query('COMMIT');
      return rows;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      if ((error as { code?: unknown }).code === '57014') throw new SearchTimeoutError('deadline', this.deadlineMs);
      throw error;
    } finally {
      // A connection that could not roll back is not given to the next statement.
      client.release(broken);
    }
  }
}
