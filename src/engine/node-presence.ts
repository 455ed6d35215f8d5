import type { NodeStore } from '../store/store-nodes.js';

/** How often a node heartbeats (`WEIR_NODE_HEARTBEAT_SECONDS`). */
export const DEFAULT_HEARTBEAT_MS = 5_000;
/** How long a node may stay silent before the others declare it gone (`WEIR_NODE_TIMEOUT_SECONDS`). */
export const DEFAULT_NODE_TIMEOUT_MS = 30_000;

export interface NodePresenceOptions {
  nodes: NodeStore;
  nodeId: string;
  host: string;
  pid: number;
  version: string;
  heartbeatMs: number;
  now: () => number;
  /**
   * Another node declared this one gone (its heartbeats were late: a long pause, a lost database) and
   * re-queued what it held: whatever this node still executes may run elsewhere now, so it gives it up.
   */
  onDeclaredGone: () => void;
  logError: (message: string, error: unknown) => void;
  logWarn: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * This node's entry in the registry: announced before the node claims anything, a heartbeat every
 * `heartbeatMs`, marked stopped on a clean shutdown. The other nodes' sweepers (engine/leases.ts)
 * declare a node gone when it has been silent for the node timeout, and take over its work then,
 * without waiting for its leases to run out.
 */
export class NodePresence {
  private timer: NodeJS.Timeout | null = null;
  private isBeating = false;

  constructor(private readonly options: NodePresenceOptions) {}

  async start(): Promise<void> {
    await this.register();
    this.timer = setInterval(() => void this.heartbeat(), Math.max(100, this.options.heartbeatMs));
    this.timer.unref();
  }

  /** One heartbeat; when the registry says this node was declared gone, it gives up its work and re-registers. */
  async heartbeat(): Promise<void> {
    if (this.isBeating) return;
    this.isBeating = true;
    try {
      const isRunning = await this.options.nodes.heartbeat(this.options.nodeId, this.options.now());
      if (!isRunning) {
        this.options.logWarn(
          'another node declared this node gone (its heartbeats were late) and re-queued its task instances; ' +
            'giving them up and registering again',
          { node: this.options.nodeId },
        );
        this.options.onDeclaredGone();
        await this.register();
      }
    } catch (error) {
      this.options.logError('the node heartbeat failed', error);
    } finally {
      this.isBeating = false;
    }
  }

  /** Stops the heartbeat and records a clean shutdown. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    try {
      await this.options.nodes.markStopped(this.options.nodeId, 'shutdown', this.options.now());
    } catch (error) {
      this.options.logError('recording the node stop failed', error);
    }
  }

  private async register(): Promise<void> {
    const at = this.options.now();
    const { nodeId: id, host, pid, version } = this.options;
    await this.options.nodes.register({ id, host, pid, version, startedAt: at, heartbeatAt: at });
  }
}
