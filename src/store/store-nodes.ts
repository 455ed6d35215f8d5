/**
 * The node registry: every Weir process announces itself and heartbeats, so the others can tell a node
 * that is gone (its heartbeat stopped) from one that is busy, and take its work over before its leases
 * run out. Times are epoch ms from the engine's clock, never read inside SQL.
 */
export interface NodeRecord {
  id: string;
  /** Host name and process id, for people reading `GET /nodes`. */
  host: string;
  pid: number;
  /** Weir's version on that node. */
  version: string;
  startedAt: number;
  heartbeatAt: number;
  /** Set when the node stopped: on a clean shutdown, or when another node found its heartbeat gone. */
  stoppedAt: number | null;
  /** `shutdown` or `heartbeat-lost`; null while the node runs. */
  stopReason: NodeStopReason | null;
}

export const NODE_STOP_REASONS = ['shutdown', 'heartbeat-lost'] as const;
export type NodeStopReason = (typeof NODE_STOP_REASONS)[number];

/** A node as `GET /nodes` shows it: its record and the task instances it holds now. */
export interface NodeView extends NodeRecord {
  heldTaskInstances: number;
}

/** The registry's writes and reads. Every method is one statement (or one short transaction). */
export interface NodeStore {
  /** Announces a node (or announces it again, clearing a stop, after it was declared gone). */
  register(node: Omit<NodeRecord, 'stoppedAt' | 'stopReason'>): Promise<void>;
  /** Records a heartbeat; false when the node is not registered as running (another node declared it gone). */
  heartbeat(nodeId: string, now: number): Promise<boolean>;
  /** Marks a node stopped (a clean shutdown). */
  markStopped(nodeId: string, reason: NodeStopReason, now: number): Promise<void>;
  /**
   * Declares gone every running node but `exceptNodeId` whose last heartbeat is before `heartbeatBefore`;
   * returns their ids. Nodes racing on this each see a node declared once.
   */
  markSilentNodesStopped(input: { heartbeatBefore: number; exceptNodeId: string; now: number }): Promise<string[]>;
  /** Forgets nodes stopped before `before`; returns how many. */
  deleteStoppedBefore(before: number): Promise<number>;
  /** Every registered node, running first, newest first, with what it holds. */
  list(): Promise<NodeView[]>;
  /**
   * The fingerprint of the secret key every node must share: the first node to start records its own;
   * returns the fingerprint on record (its own, or the one recorded before).
   */
  claimKeyFingerprint(fingerprint: string, now: number): Promise<string>;
}
