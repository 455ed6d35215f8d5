import type { Notifier } from '../store/notifier.js';
import type { QueueStore } from '../store/queue-store.js';
import type { NodeStore } from '../store/store-nodes.js';

/** How long a claim holds a task instance without renewal (`WEIR_LEASE_SECONDS`). */
export const DEFAULT_LEASE_MS = 60_000;
/** How often every node looks for expired leases (`WEIR_LEASE_SWEEP_SECONDS`). */
export const DEFAULT_SWEEP_INTERVAL_MS = 10_000;
/** Nodes stopped longer ago than this leave the registry (a week of history for `GET /nodes`). */
const STOPPED_NODE_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export interface LeaseKeeperOptions {
  queue: Pick<QueueStore, 'renewLeases' | 'requeueExpiredLeases' | 'requeueHeldByStoppedNodes'>;
  nodes: Pick<NodeStore, 'markSilentNodesStopped' | 'deleteStoppedBefore'>;
  notifier: Notifier;
  nodeId: string;
  leaseMs: number;
  sweepIntervalMs: number;
  /** A node silent this long is declared gone and its work taken over. */
  nodeTimeoutMs: number;
  now: () => number;
  /** The task instances this node executes now. */
  executingIds: () => number[];
  /** Told of instances whose lease this node lost (another node may run them): abort them. */
  onLost: (ids: number[]) => void;
  /** Told of the instances whose lease was extended, and until when. */
  onRenewed: (ids: number[], leaseUntil: number) => void;
  logError: (message: string, error: unknown) => void;
  logInfo: (message: string, fields: Record<string, unknown>) => void;
  logWarn: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * Leases that mean something. A node renews the leases of what it executes at a third of their
 * length, so a live node never loses one to a slow timer; what it is told it no longer holds, it
 * aborts. Every node sweeps: a node silent for the node timeout is declared gone (the registry,
 * engine/node-presence.ts) and what it held goes back to the queue; so does any `Processing`
 * instance whose lease has ended. Work held by a node that died or hung is taken over within
 * min(node timeout, lease) + sweep interval, and the late owner's write changes nothing (fenced by owner).
 */
export class LeaseKeeper {
  private renewTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: LeaseKeeperOptions) {}

  start(): void {
    this.renewTimer = setInterval(() => void this.renew(), Math.max(250, this.options.leaseMs / 3));
    this.renewTimer.unref();
    this.sweepTimer = setInterval(() => void this.sweep(), Math.max(50, this.options.sweepIntervalMs));
    this.sweepTimer.unref();
  }

  stop(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.renewTimer = null;
    this.sweepTimer = null;
  }

  /** Extends this node's leases; aborts what it no longer holds. */
  async renew(): Promise<void> {
    const ids = this.options.executingIds();
    if (ids.length === 0) return;
    try {
      const leaseUntil = this.options.now() + this.options.leaseMs;
      const lost = await this.options.queue.renewLeases(this.options.nodeId, ids, leaseUntil);
      // An instance that completed meanwhile is "not held" too; giving up a finished execution is a no-op.
      if (lost.length > 0) this.options.onLost(lost);
      const kept = lost.length === 0 ? ids : ids.filter((id) => !lost.includes(id));
      this.options.onRenewed(kept, leaseUntil);
    } catch (error) {
      this.options.logError('renewing leases failed', error);
    }
  }

  /**
   * Declares silent nodes gone, re-queues what they held and what is held past its lease; returns how
   * many task instances went back to the queue.
   */
  async sweep(): Promise<number> {
    const { queue, nodes, nodeId, notifier } = this.options;
    try {
      const at = this.options.now();
      const gone = await nodes.markSilentNodesStopped({
        heartbeatBefore: at - this.options.nodeTimeoutMs,
        exceptNodeId: nodeId,
        now: at,
      });
      for (const node of gone) {
        this.options.logWarn('declared a node gone: no heartbeat within the node timeout', {
          node,
          timeoutMs: this.options.nodeTimeoutMs,
        });
      }
      const takenOver = await queue.requeueHeldByStoppedNodes(at);
      if (takenOver > 0)
        this.options.logInfo('re-queued task instances held by stopped nodes', { requeued: takenOver });
      const expired = await queue.requeueExpiredLeases(at);
      if (expired > 0) this.options.logInfo('re-queued task instances whose lease expired', { requeued: expired });
      if (takenOver + expired > 0) notifier.publish({ kind: 'new-work' });
      await nodes.deleteStoppedBefore(at - STOPPED_NODE_RETENTION_MS);
      return takenOver + expired;
    } catch (error) {
      this.options.logError('sweeping expired leases failed', error);
      return 0;
    }
  }
}
