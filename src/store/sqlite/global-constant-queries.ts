import type Database from 'better-sqlite3';
import { toGlobalConstant, type GlobalConstantRow } from '../rows.js';
import type { GlobalConstantRecord } from '../store-global-constants.js';

/** The `global_constants` table (migration 004). */
export class GlobalConstantQueries {
  private readonly selectAll;
  private readonly selectOne;
  private readonly upsert;
  private readonly remove;

  constructor(db: Database.Database) {
    this.selectAll = db.prepare('SELECT * FROM global_constants ORDER BY name');
    this.selectOne = db.prepare('SELECT * FROM global_constants WHERE name = ?');
    // created_at survives a replacement; updated_at moves.
    this.upsert = db.prepare(`
      INSERT INTO global_constants (name, value, value_sealed, is_secret, created_at, updated_at)
      VALUES (@name, @value, @valueSealed, @isSecret, @now, @now)
      ON CONFLICT (name) DO UPDATE SET
        value = excluded.value, value_sealed = excluded.value_sealed, is_secret = excluded.is_secret,
        updated_at = excluded.updated_at
      RETURNING *`);
    this.remove = db.prepare('DELETE FROM global_constants WHERE name = ?');
  }

  list(): GlobalConstantRecord[] {
    return (this.selectAll.all() as GlobalConstantRow[]).map(toGlobalConstant);
  }

  get(name: string): GlobalConstantRecord | undefined {
    const row = this.selectOne.get(name) as GlobalConstantRow | undefined;
    return row && toGlobalConstant(row);
  }

  put(input: { name: string; valueJson: string | null; valueSealed: string | null; isSecret: boolean; now: number }) {
    const row = this.upsert.get({
      name: input.name,
      value: input.valueJson,
      valueSealed: input.valueSealed,
      isSecret: input.isSecret ? 1 : 0,
      now: input.now,
    }) as GlobalConstantRow;
    return toGlobalConstant(row);
  }

  delete(name: string): boolean {
    return this.remove.run(name).changes > 0;
  }
}
