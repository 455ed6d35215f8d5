import type Database from 'better-sqlite3';
import type { BatchState } from './batch-state.js';

/**
 * Task instances created per UTC day (`GET /workflows/metrics.json`), counted in memory as a batch
 * inserts them and added to `task_usage` once per day and batch. It replaces an insert trigger that
 * updated the day's row for every task instance: about 40 % of an instance INSERT (migration 009).
 */
/** Days are counted by number (days since 1970, UTC) and named only when stored. */
const DAY_MS = 24 * 60 * 60 * 1000;

export class TaskUsageCounter implements BatchState {
  private readonly batch = new Map<number, number>();
  private write: Map<number, number> | null = null;
  private readonly upsert;

  constructor(db: Database.Database) {
    this.upsert = db.prepare(`
      INSERT INTO task_usage (day, task_count) VALUES (?, ?)
      ON CONFLICT (day) DO UPDATE SET task_count = task_count + excluded.task_count`);
  }

  /** One task instance created at `createdAt` (epoch ms). */
  count(createdAt: number): void {
    const day = Math.floor(createdAt / DAY_MS);
    const into = this.write ?? this.batch;
    into.set(day, (into.get(day) ?? 0) + 1);
  }

  beginWrite(): void {
    this.write = new Map();
  }

  endWrite(isKept: boolean): void {
    const write = this.write;
    this.write = null;
    if (!isKept || !write) return;
    for (const [day, n] of write) this.batch.set(day, (this.batch.get(day) ?? 0) + n);
  }

  beforeCommit(): void {
    for (const [day, n] of this.batch) this.upsert.run(new Date(day * DAY_MS).toISOString().slice(0, 10), n);
    this.batch.clear();
  }

  afterFailure(): void {
    this.batch.clear();
    this.write = null;
  }
}
