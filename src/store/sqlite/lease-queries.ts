import type Database from 'better-sqlite3';

/** Leases on SQLite: renewal, release, and taking back what nobody holds any more. Writes run inside a batch. */
export class LeaseQueries {
  private readonly renewLease;
  private readonly releaseInstance;
  private readonly requeueExpired;
  private readonly requeueHeldByOthers;
  private readonly requeueHeldByStopped;
  private readonly selectNextDue;

  constructor(db: Database.Database) {
    this.renewLease = db.prepare(
      "UPDATE task_instances SET lease_until = ? WHERE id = ? AND status = 'Processing' AND locked_by = ?",
    );
    this.releaseInstance = db.prepare(`
      UPDATE task_instances SET status = 'Queued', locked_by = NULL, lease_until = NULL, updated_at = ?
      WHERE id = ? AND status = 'Processing' AND locked_by = ?`);
    this.requeueExpired = db.prepare(`
      UPDATE task_instances SET status = 'Queued', locked_by = NULL, lease_until = NULL, updated_at = @now
      WHERE status = 'Processing' AND lease_until < @now`);
    this.requeueHeldByOthers = db.prepare(`
      UPDATE task_instances SET status = 'Queued', locked_by = NULL, lease_until = NULL, updated_at = @now
      WHERE status = 'Processing' AND locked_by IS NOT @nodeId`);
    this.requeueHeldByStopped = db.prepare(`
      UPDATE task_instances SET status = 'Queued', locked_by = NULL, lease_until = NULL, updated_at = @now
      WHERE status = 'Processing' AND locked_by IN (SELECT id FROM nodes WHERE stopped_at IS NOT NULL)`);
    this.selectNextDue = db.prepare(
      "SELECT min(due_at) AS due FROM task_instances WHERE status = 'Pending' AND due_at IS NOT NULL",
    );
  }

  /** Returns the ids no longer held by `nodeId`. */
  renew(nodeId: string, ids: readonly number[], leaseUntil: number): number[] {
    return ids.filter((id) => this.renewLease.run(leaseUntil, id, nodeId).changes === 0);
  }

  release(nodeId: string, ids: readonly number[], now: number): number {
    let released = 0;
    for (const id of ids) released += this.releaseInstance.run(now, id, nodeId).changes;
    return released;
  }

  requeueExpiredLeases(now: number): number {
    return this.requeueExpired.run({ now }).changes;
  }

  requeueHeldByOthersThan(nodeId: string, now: number): number {
    return this.requeueHeldByOthers.run({ nodeId, now }).changes;
  }

  requeueHeldByStoppedNodes(now: number): number {
    return this.requeueHeldByStopped.run({ now }).changes;
  }

  nextDueAt(): number | null {
    return (this.selectNextDue.get() as { due: number | null }).due;
  }
}
