import { StartupError } from '../startup-errors.js';
import { PgStore } from './postgres/postgres-store.js';
import type { Store } from './store.js';
import type { StoreObserver } from './store-observer.js';
import { takeServerLock } from './sqlite/server-lock.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

export class UnsupportedDatabaseError extends StartupError {
  override readonly name = 'UnsupportedDatabaseError';
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
}

/**
 * Opens (creating or upgrading) the store named by a database URL: `sqlite:<path>`, `sqlite://<path>`,
 * or a bare file path; or PostgreSQL, `postgres://user@host:port/db` (several nodes may share it).
 */
export async function openStore(databaseUrl: string, options: OpenStoreOptions): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    return PgStore.open(databaseUrl, {
      poolSize: options.poolSize ?? 10,
      applicationName: options.applicationName ?? 'weir',
      onError: options.onError ?? (() => undefined),
      ...(options.observer ? { observer: options.observer } : {}),
    });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(databaseUrl) && !databaseUrl.startsWith('sqlite:')) {
    throw new UnsupportedDatabaseError(
      `Unsupported database URL scheme in ${databaseUrl.split('://')[0]}://...; use sqlite: or postgres://.`,
    );
  }
  const file = databaseUrl.replace(/^sqlite:(\/\/)?/, '');
  const release = options.role === 'server' && file !== ':memory:' ? takeServerLock(file) : () => undefined;
  try {
    return SqliteStore.open(file, {
      onClose: release,
      ...(options.observer ? { observer: options.observer } : {}),
      ...(options.onError ? { onListenerError: (error) => options.onError?.('a notifier listener threw', error) } : {}),
    });
  } catch (error) {
    release();
    throw error;
  }
}
