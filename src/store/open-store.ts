import type { Store } from './store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

export class UnsupportedDatabaseError extends Error {
  override readonly name = 'UnsupportedDatabaseError';
}

/**
 * Opens the store named by a database URL: `sqlite:<path>`, `sqlite://<path>`, or a bare file path.
 * PostgreSQL (`postgres://`) arrives with the scale-out work.
 */
export async function openStore(databaseUrl: string): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new UnsupportedDatabaseError('PostgreSQL is not supported yet; use a sqlite: URL.');
  }
  const file = databaseUrl.replace(/^sqlite:(\/\/)?/, '');
  const store = new SqliteStore(file);
  await store.migrate();
  return store;
}
