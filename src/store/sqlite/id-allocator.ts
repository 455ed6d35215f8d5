import type Database from 'better-sqlite3';

/** Ids reserved per round trip to the sequence row. */
const BLOCK = 1000;

/**
 * Hands out ids from the `sequences` table in reserved blocks (hi/lo), so the hot path does not update
 * the sequence row per insert. A reservation commits with the transaction it runs in (or alone, outside
 * one). A crash leaves a gap, never a duplicate. SQLite-only: one process owns the file.
 *
 * A reservation rolled back with its batch is forgotten (`reset`), but ids already handed out from it
 * may still be used: a drafted run took them outside any batch and writes them later. So the next
 * reservation starts past the highest id ever handed out, whatever the rolled-back sequence row says.
 */
export class IdAllocator {
  private readonly blocks = new Map<string, { next: number; end: number }>();
  /** Per sequence, one past the highest id handed out by this process. */
  private readonly floors = new Map<string, number>();
  private reserve: Database.Statement<[number, number, string]> | undefined;

  /** Prepares lazily: the table exists only after migration. */
  constructor(private readonly db: Database.Database) {}

  next(sequence: 'object' | 'task'): number {
    let block = this.blocks.get(sequence);
    if (!block || block.next >= block.end) {
      this.reserve ??= this.db.prepare(
        'UPDATE sequences SET next_value = MAX(next_value, ?) + ? WHERE name = ? RETURNING next_value',
      );
      const row = this.reserve.get(this.floors.get(sequence) ?? 0, BLOCK, sequence) as
        { next_value: number } | undefined;
      if (!row) throw new Error(`sequence ${sequence} is missing`);
      block = { next: row.next_value - BLOCK, end: row.next_value };
      this.blocks.set(sequence, block);
    }
    return block.next++;
  }

  /** Forgets reserved blocks whose reservation may not have committed, keeping how far they were used. */
  reset(): void {
    for (const [sequence, block] of this.blocks) {
      this.floors.set(sequence, Math.max(this.floors.get(sequence) ?? 0, block.next));
    }
    this.blocks.clear();
  }
}
