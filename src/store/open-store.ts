import { StartupError } from '../startup-errors.js';
import { classifyStorageFailure, type StorageFailureKind } from './storage-failures.js';
import { redactUrl } from './redact-url.js';
import type { Store } from './store.js';
import type { StoreObserver } from './store-observer.js';
import { takeServerLock } from './sqlite/server-lock.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

export class UnsupportedDatabaseError extends StartupError {
  override readonly name = 'UnsupportedDatabaseError';
}

/** The database cannot be used at start: read-only, full, locked, unreachable or not a database. */
export class DatabaseUnusableError extends StartupError {
  override readonly name = 'DatabaseUnusableError';
}

/** What an operator does about each kind of trouble with the SQLite file, after the reason. */
const SQLITE_ADVICE: Readonly<Record<StorageFailureKind, string>> = {
  read_only:
    'it is read-only: give the user Weir runs as write access to the file and its directory ' +
    '(SQLite writes -wal and -shm files beside it), on a file system mounted read-write',
  full: 'the disk (or WEIR_SQLITE_MAX_SIZE_MB) is full: free space, or raise the limit',
  busy: 'another process holds a lock on it: stop that process (an open sqlite3 shell, a backup) and start again',
  unreachable: 'it cannot be opened: check the path, that its directory exists and that it is a file',
  io: 'reading or writing it failed: check the disk',
};

/** The same for a PostgreSQL database that answered the first query but failed while migrating. */
const POSTGRES_ADVICE: Readonly<Record<StorageFailureKind, string>> = {
  read_only: 'it accepts no writes (a standby, or default_transaction_read_only): point Weir at the primary',
  full: 'its disk is full',
  busy: 'it is too busy or a lock is held (too many connections?)',
  unreachable: 'the connection was lost while starting',
  io: 'it reported an I/O error',
};

/** Turns a failure to open the SQLite file into a sentence (exit code 2), or returns undefined for a bug. */
function sqliteStartError(file: string, error: unknown): StartupError | undefined {
  if (error instanceof StartupError) return error;
  const code = String((error as { code?: unknown }).code);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new DatabaseUnusableError(
      `Cannot use the SQLite database ${file}: it is not a Weir database or it is damaged (${(error as Error).message}). ` +
        'Restore it from a backup (docs/operations.md), or point WEIR_DATABASE_URL at another file.',
    );
  }
  const failure = classifyStorageFailure(error);
  if (!failure) return undefined;
  return new DatabaseUnusableError(
    `Cannot use the SQLite database ${file}: ${SQLITE_ADVICE[failure.kind]} (${failure.message}).`,
  );
}

export interface OpenStoreOptions {
  /**
   * `server`: the store of a running Weir; on SQLite it takes the data dir's server lock (a second
   * server on the same data dir is refused). `admin`: a command that reads or changes the catalog.
   */
  role: 'server' | 'admin';
  /** PostgreSQL: connections in the pool; default 10. */
  poolSize?: number;
  /** PostgreSQL: who the connections say they are (`application_name`), e.g. the node id; default `weir`. */
  applicationName?: string;
  /** Infrastructure trouble that fails no request (a lost idle connection); default: ignored. */
  onError?: (message: string, error: unknown) => void;
  /** Told of migrations applied and of group commits (metrics); default none. */
  observer?: StoreObserver;
  /** SQLite, a server: how long a write waits off the event loop for another process's lock; default 5 s. */
  lockWaitMs?: number;
  /** SQLite: a cap on the file's size (`WEIR_SQLITE_MAX_SIZE_MB`), in bytes. */
  maxSizeBytes?: number | null;
}

/**
 * Opens (creating or upgrading) the store named by a database URL: `sqlite:<path>`, `sqlite://<path>`,
 * or a bare file path; or PostgreSQL, `postgres://user@host:port/db` (several nodes may share it).
 */
export async function openStore(databaseUrl: string, options: OpenStoreOptions): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    try {
      // Loaded only for PostgreSQL: the embedded default starts without the driver (14 MB, 35 ms).
      const { PgStore } = await import('./postgres/postgres-store.js');
      return await PgStore.open(databaseUrl, {
        poolSize: options.poolSize ?? 10,
        applicationName: options.applicationName ?? 'weir',
        onError: options.onError ?? (() => undefined),
        ...(options.observer ? { observer: options.observer } : {}),
      });
    } catch (error) {
      const failure = error instanceof StartupError ? undefined : classifyStorageFailure(error);
      if (!failure) throw error;
      throw new DatabaseUnusableError(
        `Cannot use the PostgreSQL database ${redactUrl(databaseUrl)}: ${POSTGRES_ADVICE[failure.kind]} (${failure.message}).`,
      );
    }
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(databaseUrl) && !databaseUrl.startsWith('sqlite:')) {
    throw new UnsupportedDatabaseError(
      `Unsupported database URL scheme in ${databaseUrl.split('://')[0]}://...; use sqlite: or postgres://.`,
    );
  }
  const file = databaseUrl.replace(/^sqlite:(\/\/)?/, '');
  let release = (): void => undefined;
  try {
    if (options.role === 'server' && file !== ':memory:') release = takeServerLock(file);
    return SqliteStore.open(file, {
      onClose: release,
      ...(options.observer ? { observer: options.observer } : {}),
      ...(options.onError ? { onListenerError: (error) => options.onError?.('a notifier listener threw', error) } : {}),
      ...(options.role === 'server' ? { lockWaitMs: options.lockWaitMs ?? 5_000 } : {}),
      maxSizeBytes: options.maxSizeBytes ?? null,
    });
  } catch (error) {
    release();
    throw sqliteStartError(file, error) ?? error;
  }
}
