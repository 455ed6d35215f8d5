import type pg from 'pg';
import type { ImportKeyClaim, ImportKeyStore } from '../store-import-keys.js';

/** The import idempotency keys on PostgreSQL (migration 004), one table for every node. */
export class PgImportKeys implements ImportKeyStore {
  constructor(private readonly pool: pg.Pool) {}

  async claim(input: Parameters<ImportKeyStore['claim']>[0]): Promise<ImportKeyClaim> {
    await this.pool.query('DELETE FROM import_idempotency_keys WHERE expires_at <= $1', [input.now]);
    // Two tries: a key released between our INSERT and SELECT is free again.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const inserted = await this.pool.query(
        `INSERT INTO import_idempotency_keys (scope, key, digest, state, answer, created_at, expires_at)
         VALUES ($1, $2, $3, 'pending', NULL, $4, $5)
         ON CONFLICT (scope, key) DO NOTHING`,
        [input.scope, input.key, input.digest, input.now, input.pendingUntil],
      );
      if (inserted.rowCount === 1) return { outcome: 'claimed' };
      const { rows } = await this.pool.query<{ digest: string; state: string; answer: string | null }>(
        'SELECT digest, state, answer FROM import_idempotency_keys WHERE scope = $1 AND key = $2',
        [input.scope, input.key],
      );
      const row = rows[0];
      if (!row) continue;
      return row.state === 'done' && row.answer !== null
        ? { outcome: 'done', digest: row.digest, answer: row.answer }
        : { outcome: 'pending', digest: row.digest };
    }
    return { outcome: 'pending', digest: input.digest };
  }

  async complete(input: Parameters<ImportKeyStore['complete']>[0]): Promise<void> {
    await this.pool.query(
      `UPDATE import_idempotency_keys SET state = 'done', answer = $1, expires_at = $2 WHERE scope = $3 AND key = $4`,
      [input.answer, input.expiresAt, input.scope, input.key],
    );
  }

  async release(input: { scope: string; key: string }): Promise<void> {
    await this.pool.query("DELETE FROM import_idempotency_keys WHERE scope = $1 AND key = $2 AND state = 'pending'", [
      input.scope,
      input.key,
    ]);
  }
}
