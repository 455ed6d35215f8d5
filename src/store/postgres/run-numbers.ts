import pg from 'pg';
import { ROW_TYPES } from './database.js';

/** A run's number within its workflow (`WF-<workflow>-<seq>`) and the workflow's last run time before it. */
export interface RunNumber {
  seq: number;
  previousRunAt: number | null;
}

interface Waiting {
  now: number;
  resolve: (number: RunNumber) => void;
  reject: (error: unknown) => void;
}

/**
 * Per-workflow run numbers, reserved before the run's own transaction. Taken inside it, the workflow
 * row's lock was held until the whole group commit ended, so every node creating runs of one workflow
 * queued behind the others (the scale benchmark showed most connections waiting on it). Reserved here,
 * the row is locked for one short statement, once per event-loop turn and workflow, however many runs
 * that turn creates.
 *
 * A number is spent when it is reserved: a run whose transaction then fails leaves a gap, never a
 * duplicate. The reservations commit without waiting for their WAL flush (`synchronous_commit = off`,
 * on connections of their own): a run that uses a number commits synchronously after it, which
 * flushes the reservation too, so a reservation lost in a crash was used by no committed run.
 */
export class PgRunNumbers {
  private readonly pool: pg.Pool;
  private pending = new Map<number, Waiting[]>();
  private isScheduled = false;

  constructor(url: string, options: { applicationName: string; onError: (error: Error) => void }) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: 2,
      types: ROW_TYPES,
      application_name: `${options.applicationName}-numbers`,
      options: '-c synchronous_commit=off',
      idleTimeoutMillis: 30_000,
    });
    this.pool.on('error', options.onError);
    this.pool.on('connect', (client) => client.on('error', options.onError));
  }

  /** The next number of the workflow's runs, for a run created at `now`. */
  reserve(workflowId: number, now: number): Promise<RunNumber> {
    return new Promise((resolve, reject) => {
      const waiting = this.pending.get(workflowId);
      if (waiting) waiting.push({ now, resolve, reject });
      else this.pending.set(workflowId, [{ now, resolve, reject }]);
      if (!this.isScheduled) {
        this.isScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private flush(): void {
    this.isScheduled = false;
    const batches = this.pending;
    this.pending = new Map();
    for (const [workflowId, waiting] of batches) void this.reserveFor(workflowId, waiting);
  }

  /** One statement for all the runs of one workflow this turn: numbers in the order they were asked for. */
  private async reserveFor(workflowId: number, waiting: Waiting[]): Promise<void> {
    const lastNow = waiting[waiting.length - 1]?.now ?? Date.now();
    const beforeLast = waiting.length > 1 ? (waiting[waiting.length - 2]?.now ?? null) : null;
    try {
      // Named: prepared once per connection, as it runs for nearly every new run.
      const { rows } = await this.pool.query<{ last_seq: number; old_last_run_at: number | null }>({
        name: 'weir-reserve-run-numbers',
        text: `WITH old AS (SELECT id, last_run_at FROM workflows WHERE id = $1 FOR UPDATE)
         UPDATE workflows w
         SET run_count = w.run_count + $2,
             previous_run_at = CASE WHEN $2 = 1 THEN old.last_run_at ELSE $4 END,
             last_run_at = $3
         FROM old WHERE w.id = old.id
         RETURNING w.run_count AS last_seq, old.last_run_at AS old_last_run_at`,
        values: [workflowId, waiting.length, lastNow, beforeLast],
      });
      const row = rows[0];
      if (!row) throw new Error(`workflow ${workflowId} does not exist`);
      const first = row.last_seq - waiting.length + 1;
      waiting.forEach((entry, i) =>
        entry.resolve({ seq: first + i, previousRunAt: i === 0 ? row.old_last_run_at : (waiting[i - 1]?.now ?? null) }),
      );
    } catch (error) {
      for (const entry of waiting) entry.reject(error);
    }
  }
}
