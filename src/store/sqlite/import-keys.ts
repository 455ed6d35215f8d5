import type Database from 'better-sqlite3';
import type { ImportKeyClaim, ImportKeyStore } from '../store-import-keys.js';
import type { WriteBatcher } from './write-batcher.js';

/** The import idempotency keys on SQLite (migration 006); every statement through the group commit. */
export class SqliteImportKeys implements ImportKeyStore {
  private readonly deleteExpired;
  private readonly insertPending;
  private readonly selectKey;
  private readonly markDone;
  private readonly deletePending;

  constructor(
    db: Database.Database,
    private readonly writer: WriteBatcher,
  ) {
    this.deleteExpired = db.prepare('DELETE FROM import_idempotency_keys WHERE expires_at <= ?');
    this.insertPending = db.prepare(`
      INSERT INTO import_idempotency_keys (scope, key, digest, state, answer, created_at, expires_at)
      VALUES (?, ?, ?, 'pending', NULL, ?, ?)
      ON CONFLICT (scope, key) DO NOTHING`);
    this.selectKey = db.prepare(
      'SELECT digest, state, answer FROM import_idempotency_keys WHERE scope = ? AND key = ?',
    );
    this.markDone = db.prepare(`
      UPDATE import_idempotency_keys SET state = 'done', answer = ?, expires_at = ? WHERE scope = ? AND key = ?`);
    this.deletePending = db.prepare(
      "DELETE FROM import_idempotency_keys WHERE scope = ? AND key = ? AND state = 'pending'",
    );
  }

  claim(input: Parameters<ImportKeyStore['claim']>[0]): Promise<ImportKeyClaim> {
    return this.writer.run(() => {
      this.deleteExpired.run(input.now);
      const inserted = this.insertPending.run(input.scope, input.key, input.digest, input.now, input.pendingUntil);
      if (inserted.changes === 1) return { outcome: 'claimed' as const };
      const row = this.selectKey.get(input.scope, input.key) as
        { digest: string; state: string; answer: string | null } | undefined;
      // The conflicting row was just seen, inside this same transaction: it exists.
      if (!row) throw new Error('import idempotency key vanished inside its transaction');
      return row.state === 'done' && row.answer !== null
        ? { outcome: 'done' as const, digest: row.digest, answer: row.answer }
        : { outcome: 'pending' as const, digest: row.digest };
    });
  }

  async complete(input: Parameters<ImportKeyStore['complete']>[0]): Promise<void> {
    await this.writer.run(() => this.markDone.run(input.answer, input.expiresAt, input.scope, input.key));
  }

  async release(input: { scope: string; key: string }): Promise<void> {
    await this.writer.run(() => this.deletePending.run(input.scope, input.key));
  }
}
