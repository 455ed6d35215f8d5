import type pg from 'pg';
import { inTransaction } from './database.js';
import { writeDraftsIn, type DraftWrite } from './draft-writer.js';
import type { PgWriteBatcher } from './write-batcher.js';

interface WaitingDraft {
  draft: DraftWrite;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The drafted runs written in one event-loop turn go to the group commit as one write: one statement
 * for all of them (`writeDraftsIn`), where each was a statement, a round trip, of its own. When their
 * batch fails, each is written again alone, so one draft's failure is its own.
 */
export class PgDraftWrites {
  private waiting: WaitingDraft[] = [];
  private isScheduled = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly batcher: PgWriteBatcher,
  ) {}

  /** Resolves once the draft is committed; rejects when it could not be written. */
  write(draft: DraftWrite): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ draft, resolve, reject });
      if (this.isScheduled) return;
      this.isScheduled = true;
      setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    this.isScheduled = false;
    const group = this.waiting;
    this.waiting = [];
    const drafts = group.map((entry) => entry.draft);
    void this.batcher
      .run(
        async (client): Promise<Array<PromiseSettledResult<void>> | null> => {
          await writeDraftsIn(client, drafts);
          return null;
        },
        // Alone: each draft in a transaction of its own, each caller told its own outcome.
        () =>
          Promise.allSettled(
            drafts.map((draft) => inTransaction(this.pool, (client) => writeDraftsIn(client, [draft]))),
          ),
      )
      .then(
        (outcomes) =>
          group.forEach((entry, i) => {
            const outcome = outcomes?.[i];
            if (outcome?.status === 'rejected') entry.reject(outcome.reason);
            else entry.resolve();
          }),
        (error: unknown) => group.forEach((entry) => entry.reject(error)),
      );
  }
}
