import fs from 'node:fs';
import path from 'node:path';
import { codePath } from '../../package-files.js';
import pg from 'pg';
import { StartupError } from '../../startup-errors.js';
import { redactUrl } from '../redact-url.js';

const MIGRATIONS_DIR = codePath('store', 'postgres', 'migrations');
/** The advisory lock key under which nodes starting together migrate once ("weir" in ASCII). */
const MIGRATION_LOCK_KEY = 0x77656972;

/** What runs SQL: the pool (one statement, auto-commit) or one client inside a transaction. */
export type Sql = Pick<pg.Pool | pg.PoolClient, 'query'>;

/**
 * Row values as the SQLite dialect returns them, so that one mapping (`store/rows.ts`) serves both:
 * BIGINT (ids, epoch ms, counts) and NUMERIC (sums) as JS numbers. Ids and times stay far below 2^53.
 */
export const ROW_TYPES = {
  getTypeParser(oid: number, format?: string) {
    if (oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export class DatabaseUnreachableError extends StartupError {
  override readonly name = 'DatabaseUnreachableError';
}

/**
 * Opens a pool of `size` connections and checks that the database answers; one that cannot be reached
 * is a sentence naming the URL without its password. Idle connections that die are replaced by the
 * pool; their errors are reported to `onError`, never thrown into the process.
 */
export async function openPool(
  url: string,
  options: {
    size: number;
    applicationName: string;
    onError: (error: unknown) => void;
  },
): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.size,
    types: ROW_TYPES,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName,
  });
  // pg-pool hangs the whole client on the error (`error.client`): report the error alone.
  pool.on('error', (error) => options.onError(withoutClient(error)));
  // A connection lost while checked out (in a transaction, between two queries) emits 'error' on its
  // client, where the pool listens only while it is idle: without this, a terminated backend or a
  // lost network crashed the process. The work on it fails with its own error (503 to a request).
  pool.on('connect', (client) => client.on('error', (error) => options.onError(withoutClient(error))));
  try {
    await pool.query('SELECT 1').catch(async (error: unknown) => {
      // A database that does not exist yet is created, as SQLite creates its file: nodes starting
      // together race to create it, and the losers find it there.
      // (Its migrations, applied next, are each logged.)
      if ((error as { code?: string }).code !== '3D000' || !(await createDatabase(url))) throw error;
      // Made by another node, its creation may still be committing: look again a few times.
      for (let attempt = 1; ; attempt++) {
        try {
          await pool.query('SELECT 1');
          return;
        } catch (retry) {
          if ((retry as { code?: string }).code !== '3D000' || attempt >= 20) throw retry;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    });
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new DatabaseUnreachableError(
      `Cannot reach the PostgreSQL database ${redactUrl(url)}: ${(error as Error).message}`,
    );
  }
  return pool;
}

/**
 * Creates the database `url` names, connected to the server's `postgres` database with the same
 * credentials. True when it exists now (made here, or by another node meanwhile); false when it cannot
 * be made (no right to create databases, say): the caller reports the original error.
 */
async function createDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (name === '' || name === 'postgres') return false;
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const client = new pg.Client({ connectionString: maintenance.toString(), connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    for (let attempt = 1; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
        return true;
      } catch (error) {
        const code = (error as { code?: string }).code;
        // 42P04 (or 23505 when the two creations overlap): another node created it first. 55006: another
        // node is copying the template right now.
        if (code === '42P04' || code === '23505') return true;
        if (code !== '55006' || attempt >= 20) return false;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The error pg-pool reports for an idle client, without the client (its socket, queues, settings) pinned to it. */
function withoutClient(error: Error): Error {
  const { client: _client, ...fields } = error as Error & { client?: unknown };
  return Object.assign(new Error(error.message), { name: error.name, stack: error.stack }, fields);
}

/**
 * Applies the numbered migrations of `migrations/` not applied yet, each in its own transaction, under
 * an advisory lock: nodes starting together wait for each other and migrate once.
 */
export async function migrate(pool: pg.Pool, onApplied?: (name: string, ms: number) => void): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)',
    );
    const applied = new Set(
      (await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((row) => row.name),
    );
    const files = fs
      .readdirSync(MIGRATIONS_DIR)
      .filter((file) => file.endsWith('.sql'))
      .sort();
    for (const file of files) {
      if (applied.has(file)) continue;
      const sql = fs.readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8');
      const started = performance.now();
      await client.query('BEGIN');
      try {
        await client.query(sql);
        await client.query('INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)', [file, Date.now()]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      onApplied?.(file, performance.now() - started);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}

/** Runs `work` in one transaction on a client of its own; commits, or rolls back when it throws. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
