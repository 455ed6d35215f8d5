import type pg from 'pg';
import { toNodeView, type NodeRow } from '../rows.js';
import type { NodeRecord, NodeStopReason, NodeStore, NodeView } from '../store-nodes.js';

/** The node registry on PostgreSQL: each call one auto-committed statement on the pool. */
export class PgNodes implements NodeStore {
  constructor(private readonly pool: pg.Pool) {}

  async register(node: Omit<NodeRecord, 'stoppedAt' | 'stopReason'>): Promise<void> {
    await this.pool.query(
      `INSERT INTO nodes (id, host, pid, version, started_at, heartbeat_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, stopped_at = NULL, stop_reason = NULL`,
      [node.id, node.host, node.pid, node.version, node.startedAt, node.heartbeatAt],
    );
  }

  async heartbeat(nodeId: string, now: number): Promise<boolean> {
    const result = await this.pool.query('UPDATE nodes SET heartbeat_at = $2 WHERE id = $1 AND stopped_at IS NULL', [
      nodeId,
      now,
    ]);
    return result.rowCount === 1;
  }

  async markStopped(nodeId: string, reason: NodeStopReason, now: number): Promise<void> {
    await this.pool.query('UPDATE nodes SET stopped_at = $3, stop_reason = $2 WHERE id = $1 AND stopped_at IS NULL', [
      nodeId,
      reason,
      now,
    ]);
  }

  async markSilentNodesStopped(input: {
    heartbeatBefore: number;
    exceptNodeId: string;
    now: number;
  }): Promise<string[]> {
    // Row locks make racing sweepers each see a node declared once: the loser re-checks stopped_at.
    const { rows } = await this.pool.query<{ id: string }>(
      `UPDATE nodes SET stopped_at = $2, stop_reason = 'heartbeat-lost'
       WHERE stopped_at IS NULL AND heartbeat_at < $1 AND id <> $3
       RETURNING id`,
      [input.heartbeatBefore, input.now, input.exceptNodeId],
    );
    return rows.map((row) => row.id);
  }

  async deleteStoppedBefore(before: number): Promise<number> {
    return (await this.pool.query('DELETE FROM nodes WHERE stopped_at < $1', [before])).rowCount ?? 0;
  }

  async list(): Promise<NodeView[]> {
    const { rows } = await this.pool.query<NodeRow>(
      `SELECT n.*, (SELECT count(*) FROM task_instances t WHERE t.status = 'Processing' AND t.locked_by = n.id) AS held
       FROM nodes n
       ORDER BY n.stopped_at IS NOT NULL, n.started_at DESC`,
    );
    return rows.map(toNodeView);
  }

  async claimKeyFingerprint(fingerprint: string, now: number): Promise<string> {
    // The first insert wins; every node, the first included, then reads what is on record.
    await this.pool.query(
      'INSERT INTO key_fingerprint (id, fingerprint, recorded_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING',
      [fingerprint, now],
    );
    const { rows } = await this.pool.query<{ fingerprint: string }>('SELECT fingerprint FROM key_fingerprint');
    const recorded = rows[0]?.fingerprint;
    if (recorded === undefined) throw new Error('the key fingerprint was not recorded');
    return recorded;
  }
}
