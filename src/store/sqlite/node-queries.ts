import type Database from 'better-sqlite3';
import { toNodeView, type NodeRow } from '../rows.js';
import type { NodeRecord, NodeStopReason, NodeStore, NodeView } from '../store-nodes.js';
import type { WriteBatcher } from './write-batcher.js';

/** The node registry on SQLite (one server per file, but the same engine): writes through the group commit. */
export class SqliteNodes implements NodeStore {
  private readonly upsert;
  private readonly touch;
  private readonly stop;
  private readonly selectSilent;
  private readonly deleteStopped;
  private readonly selectAll;
  private readonly insertFingerprint;
  private readonly selectFingerprint;

  constructor(
    db: Database.Database,
    private readonly writer: WriteBatcher,
  ) {
    this.upsert = db.prepare(`
      INSERT INTO nodes (id, host, pid, version, started_at, heartbeat_at)
      VALUES (@id, @host, @pid, @version, @startedAt, @heartbeatAt)
      ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, stopped_at = NULL, stop_reason = NULL`);
    this.touch = db.prepare('UPDATE nodes SET heartbeat_at = ? WHERE id = ? AND stopped_at IS NULL');
    this.stop = db.prepare('UPDATE nodes SET stopped_at = ?, stop_reason = ? WHERE id = ? AND stopped_at IS NULL');
    this.selectSilent = db.prepare(`
      UPDATE nodes SET stopped_at = @now, stop_reason = 'heartbeat-lost'
      WHERE stopped_at IS NULL AND heartbeat_at < @heartbeatBefore AND id <> @exceptNodeId
      RETURNING id`);
    this.deleteStopped = db.prepare('DELETE FROM nodes WHERE stopped_at < ?');
    this.selectAll = db.prepare(`
      SELECT n.*, (SELECT count(*) FROM task_instances t WHERE t.status = 'Processing' AND t.locked_by = n.id) AS held
      FROM nodes n
      ORDER BY n.stopped_at IS NOT NULL, n.started_at DESC`);
    this.insertFingerprint = db.prepare(
      'INSERT INTO key_fingerprint (id, fingerprint, recorded_at) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING',
    );
    this.selectFingerprint = db.prepare('SELECT fingerprint FROM key_fingerprint WHERE id = 1');
  }

  register(node: Omit<NodeRecord, 'stoppedAt' | 'stopReason'>): Promise<void> {
    return this.writer.run(() => void this.upsert.run(node));
  }

  heartbeat(nodeId: string, now: number): Promise<boolean> {
    return this.writer.run(() => this.touch.run(now, nodeId).changes === 1);
  }

  markStopped(nodeId: string, reason: NodeStopReason, now: number): Promise<void> {
    return this.writer.run(() => void this.stop.run(now, reason, nodeId));
  }

  markSilentNodesStopped(input: { heartbeatBefore: number; exceptNodeId: string; now: number }): Promise<string[]> {
    return this.writer.run(() => (this.selectSilent.all(input) as Array<{ id: string }>).map((row) => row.id));
  }

  deleteStoppedBefore(before: number): Promise<number> {
    return this.writer.run(() => this.deleteStopped.run(before).changes);
  }

  async list(): Promise<NodeView[]> {
    return (this.selectAll.all() as NodeRow[]).map(toNodeView);
  }

  claimKeyFingerprint(fingerprint: string, now: number): Promise<string> {
    return this.writer.run(() => {
      this.insertFingerprint.run(fingerprint, now);
      return (this.selectFingerprint.get() as { fingerprint: string }).fingerprint;
    });
  }
}
