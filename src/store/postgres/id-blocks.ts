import type { Sql } from './database.js';

/** The `INCREMENT BY` of the sequences in migration 001: one `nextval` reserves this many ids. */
const BLOCK = 1000;

/** The PostgreSQL sequence behind each id space. */
const SEQUENCES = { object: 'object_ids', task: 'task_ids' } as const;

/** An id space: `object` (workflows, versions, runs) or `task` (tasks, task instances). */
export type IdSequence = keyof typeof SEQUENCES;

interface Block {
  next: number;
  last: number;
}

/**
 * Hands out ids from the sequences `object_ids` and `task_ids` in blocks of 1000 kept by this process
 * (hi/lo, as SQLite's `IdAllocator`): one `nextval` returning `v` reserves `[v - 999, v]` for this node
 * alone, so the hot path makes one round trip per 1000 ids and nodes never collide.
 *
 * `nextval` is not transactional: a block reserved inside a transaction that rolls back stays reserved,
 * so nothing has to be forgotten on rollback. A crash leaves a gap, never a duplicate. Calls may overlap:
 * each caller that finds no id left reserves a block of its own, and blocks it does not use up are kept
 * for the next callers, so no reserved id is skipped while the process lives.
 */
export class PgIdBlocks {
  private readonly blocks: Record<IdSequence, Block[]> = { object: [], task: [] };

  /** The next id of `sequence`; reserves a new block through `sql` (pool or transaction client) when needed. */
  async next(sequence: IdSequence, sql: Sql): Promise<number> {
    const ready = this.take(sequence);
    if (ready !== undefined) return ready;
    const result = await sql.query<{ last: number }>('SELECT nextval($1) AS last', [SEQUENCES[sequence]]);
    const last = result.rows[0]?.last;
    if (last === undefined) throw new Error(`sequence ${SEQUENCES[sequence]} returned no value`);
    this.blocks[sequence].push({ next: last - BLOCK + 1, last });
    const id = this.take(sequence);
    if (id === undefined) throw new Error(`sequence ${SEQUENCES[sequence]} gave an empty block`);
    return id;
  }

  /** `count` ids of `sequence`, in order of handing out. */
  async nextMany(sequence: IdSequence, count: number, sql: Sql): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) ids.push(await this.next(sequence, sql));
    return ids;
  }

  /** The next id of the oldest block with ids left, dropping used-up blocks. */
  private take(sequence: IdSequence): number | undefined {
    const blocks = this.blocks[sequence];
    for (;;) {
      const block = blocks[0];
      if (!block) return undefined;
      if (block.next <= block.last) return block.next++;
      blocks.shift();
    }
  }
}
