import type { Notifier } from '../store/notifier.js';
import type { QueueStore } from '../store/queue-store.js';

/** How long a claim holds a task instance without renewal (`WEIR_LEASE_SECONDS`). */
export const DEFAULT_LEASE_MS = 60_000;
/** How often every node looks for expired leases (`WEIR_LEASE_SWEEP_SECONDS`). */
export const DEFAULT_SWEEP_INTERVAL_MS = 10_000;

export interface LeaseKeeperOptions {
  queue: Pick<QueueStore, 'renewLeases' | 'requeueExpiredLeases'>;
  notifier: Notifier;
  nodeId: string;
  leaseMs: number;
  sweepIntervalMs: number;
  now: () => number;
  /** The task instances this node executes now. */
  executingIds: () => number[];
  /** Told of instances whose lease this node lost (another node may run them): abort them. */
  onLost: (ids: number[]) => void;
  /** Told of the instances whose lease was extended, and until when. */
  onRenewed: (ids: number[], leaseUntil: number) => void;
  logError: (message: string, error: unknown) => void;
  logInfo: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * Leases that mean something. A node renews the leases of what it executes at a third of their
 * length, so a live node never loses one to a slow timer; what it is told it no longer holds, it
 * aborts. Every node sweeps: a `Processing` instance whose lease has ended belongs to nobody and goes
 * back to the queue, so work held by a node that died or hung is taken over within lease + sweep
 * interval, and the late owner's write changes nothing (it is fenced by owner).
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

  /** Re-queues instances whose lease expired; returns how many. */
  async sweep(): Promise<number> {
    try {
      const requeued = await this.options.queue.requeueExpiredLeases(this.options.now());
      if (requeued > 0) {
        this.options.logInfo('re-queued task instances whose lease expired', { requeued });
        this.options.notifier.publish({ kind: 'new-work' });
      }
      return requeued;
    } catch (error) {
      this.options.logError('sweeping expired leases failed', error);
      return 0;
    }
  }
}
