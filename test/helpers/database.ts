import Database from 'better-sqlite3';
import pg from 'pg';
import { ROW_TYPES } from '../../src/store/postgres/database.js';
import type { TestWeir } from './start-weir.js';

/**
 * Reads a test Weir's database beside it (SQLite or PostgreSQL, whichever it runs on): its size, and
 * rows the API does not show (how Data is stored). Read only; `?` placeholders on both.
 */

function sqliteFile(weir: TestWeir): string | undefined {
  const url = weir.running.config.databaseUrl;
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return undefined;
  return url.replace(/^sqlite:/, '');
}

/** Rows of a read-only query on the Weir's database. */
export async function rawRows(
  weir: TestWeir,
  sql: string,
  params: ReadonlyArray<string | number | null> = [],
): Promise<Array<Record<string, unknown>>> {
  const file = sqliteFile(weir);
  if (file !== undefined) {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all(...params) as Array<Record<string, unknown>>;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: weir.running.config.databaseUrl, types: ROW_TYPES });
  await client.connect();
  try {
    let n = 0;
    return (
      await client.query(
        sql.replace(/\?/g, () => `$${++n}`),
        [...params],
      )
    ).rows as Array<Record<string, unknown>>;
  } finally {
    await client.end();
  }
}

/**
 * Bytes the database holds: SQLite's pages in use (WAL included, free pages not), PostgreSQL's tables
 * with their indexes and TOAST. What a run adds is the difference of two readings.
 */
export async function databaseBytes(weir: TestWeir): Promise<number> {
  const file = sqliteFile(weir);
  if (file !== undefined) {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      const pages = db.pragma('page_count', { simple: true }) as number;
      const free = db.pragma('freelist_count', { simple: true }) as number;
      return (pages - free) * (db.pragma('page_size', { simple: true }) as number);
    } finally {
      db.close();
    }
  }
  const [row] = await rawRows(
    weir,
    `SELECT sum(pg_total_relation_size(c.oid)) AS bytes FROM pg_class c
     WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace`,
  );
  return Number(row?.bytes ?? 0);
}
