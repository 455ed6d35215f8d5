import { StartupError } from '../startup-errors.js';
import type { Store } from './store.js';
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
}

/**
 * Opens (creating or upgrading) the store named by a database URL: `sqlite:<path>`, `sqlite://<path>`,
 * or a bare file path. PostgreSQL (`postgres://`) arrives with the scale-out work.
 */
export async function openStore(databaseUrl: string, options: OpenStoreOptions): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new UnsupportedDatabaseError('PostgreSQL is not supported yet; use a sqlite: URL.');
  }
  const file = databaseUrl.replace(/^sqlite:(\/\/)?/, '');
  const release = options.role === 'server' && file !== ':memory:' ? takeServerLock(file) : () => undefined;
  try {
    return SqliteStore.open(file, { onClose: release });
  } catch (error) {
    release();
    throw error;
  }
}
