import type Database from 'better-sqlite3';

/** Ids reserved per round trip to the sequence row. */
const BLOCK = 1000;

/**
 * Hands out ids from the `sequences` table in reserved blocks (hi/lo), so the hot path does not update
 * the sequence row per insert. Must be called inside a write transaction: the reservation commits with
 * the rows that use it. A crash leaves a gap, never a duplicate. SQLite-only: one process owns the file.
 */
export class IdAllocator {
  private readonly blocks = new Map<string, { next: number; end: number }>();
  private reserve: Database.Statement<[number, string]> | undefined;

  /** Prepares lazily: the table exists only after migration. */
  constructor(private readonly db: Database.Database) {}

  next(sequence: 'object' | 'task'): number {
    let block = this.blocks.get(sequence);
    if (!block || block.next >= block.end) {
      this.reserve ??= this.db.prepare(
        'UPDATE sequences SET next_value = next_value + ? WHERE name = ? RETURNING next_value',
      );
      const row = this.reserve.get(BLOCK, sequence) as { next_value: number } | undefined;
      if (!row) throw new Error(`sequence ${sequence} is missing`);
      block = { next: row.next_value - BLOCK, end: row.next_value };
      this.blocks.set(sequence, block);
    }
    return block.next++;
  }

  /** Forgets reserved blocks whose reservation may not have committed. */
  reset(): void {
    this.blocks.clear();
  }
}
