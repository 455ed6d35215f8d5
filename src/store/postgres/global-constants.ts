import type pg from 'pg';
import { toGlobalConstant, type GlobalConstantRow } from '../rows.js';
import type { GlobalConstantRecord, GlobalConstantStore } from '../store-global-constants.js';

/** The `global_constants` table on PostgreSQL (migration 002). */
export class PgGlobalConstants implements GlobalConstantStore {
  constructor(private readonly pool: pg.Pool) {}

  async list(): Promise<GlobalConstantRecord[]> {
    const { rows } = await this.pool.query<GlobalConstantRow>(
      'SELECT * FROM global_constants ORDER BY name COLLATE "C"',
    );
    return rows.map(toGlobalConstant);
  }

  async get(name: string): Promise<GlobalConstantRecord | undefined> {
    const { rows } = await this.pool.query<GlobalConstantRow>('SELECT * FROM global_constants WHERE name = $1', [name]);
    return rows[0] && toGlobalConstant(rows[0]);
  }

  async put(input: Parameters<GlobalConstantStore['put']>[0]): Promise<GlobalConstantRecord> {
    // created_at survives a replacement; updated_at moves.
    const { rows } = await this.pool.query<GlobalConstantRow>(
      `INSERT INTO global_constants (name, value, value_sealed, is_secret, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (name) DO UPDATE SET
         value = excluded.value, value_sealed = excluded.value_sealed, is_secret = excluded.is_secret,
         updated_at = excluded.updated_at
       RETURNING *`,
      [input.name, input.valueJson, input.valueSealed, input.isSecret ? 1 : 0, input.now],
    );
    const row = rows[0];
    if (!row) throw new Error('upsert of a global constant returned no row');
    return toGlobalConstant(row);
  }

  async delete(name: string): Promise<boolean> {
    const result = await this.pool.query('DELETE FROM global_constants WHERE name = $1', [name]);
    return (result.rowCount ?? 0) > 0;
  }
}
