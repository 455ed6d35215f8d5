import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { codePath } from '../../package-files.js';

const MIGRATIONS_DIR = codePath('store', 'sqlite', 'migrations');

export interface OpenDatabaseOptions {
  /**
   * How long one statement sleeps in SQLite's busy handler, on the calling thread, for a lock another
   * process holds. A server keeps it at a few ms and retries writes on a timer (`WriteBatcher`), so the
   * event loop never sleeps for seconds; an admin command may wait. Default 5,000 ms.
   */
  busyTimeoutMs?: number;
  /** A cap on the file's size: past it, writes fail with SQLITE_FULL (`WEIR_SQLITE_MAX_SIZE_MB`). */
  maxSizeBytes?: number | null;
}

/**
 * Opens the SQLite file with the durable defaults: WAL, synchronous=FULL (every commit is fsynced:
 * an answered trigger survives a power cut, not only a crash), a busy timeout, foreign keys on.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Database.Database {
  if (file !== ':memory:') restrictModes(file);
  const db = new Database(file);
  db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${process.env.WEIR_SQLITE_SYNCHRONOUS ?? 'FULL'}`);
  db.pragma('foreign_keys = ON');
  // Savepoints (one per write in a batch) and sorts keep their journals in memory, not in temp files.
  db.pragma('temp_store = MEMORY');
  db.pragma('cache_size = -65536');
  if (options.maxSizeBytes) {
    const pageSize = Number(db.pragma('page_size', { simple: true }));
    db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxSizeBytes / pageSize))}`);
  }
  return db;
}

/**
 * The database holds sealed credentials and every run's Data: only Weir's user may read it. A new
 * directory is made 0700; the file is created 0600 before SQLite opens it, because SQLite creates
 * files 0644 and gives its -wal and -shm files the main file's mode. Files left readable by an
 * older Weir are tightened to 0600.
 */
function restrictModes(file: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  for (const part of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if ((fs.statSync(part).mode & 0o077) !== 0) fs.chmodSync(part, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/**
 * Applies the numbered migrations in `migrations/` that have not run yet, each in a transaction;
 * `onApplied` is told of each.
 */
export function migrate(db: Database.Database, onApplied?: (name: string, ms: number) => void): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)');
  const applied = new Set(
    (db.prepare('SELECT name FROM schema_migrations').all() as Array<{ name: string }>).map((row) => row.name),
  );
  const files = fs
    .readdirSync(MIGRATIONS_DIR)
    .filter((file) => file.endsWith('.sql'))
    .sort();
  for (const file of files) {
    if (applied.has(file)) continue;
    const sql = fs.readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8');
    const started = performance.now();
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)').run(file, Date.now());
    }).immediate();
    onApplied?.(file, performance.now() - started);
  }
}
