import type { RunState } from '../model/records.js';

/**
 * What one node tells the others (and itself). A notification is a hint to look, never the only
 * carrier of work: the work is in the database, and a node that may have missed hints (a lost
 * connection) rescans. Payloads stay small (PostgreSQL NOTIFY carries at most 8000 bytes).
 */
export type WeirEvent =
  /** Task instances became claimable (queued, due now, or a limit slot freed). */
  | { kind: 'new-work' }
  /**
   * A task instance becomes claimable at `at` (epoch ms: a delay, a retry): every claim loop sets a
   * timer for it, so the node that wrote it need not be the one that runs it.
   */
  | { kind: 'work-due'; at: number }
  /**
   * A run became final. `run` is set only for listeners in the node that finished it (saves a
   * read); other nodes read the run by id.
   */
  | { kind: 'run-finished'; runId: number; run?: RunState }
  /** A workflow, its status, versions or credentials changed: drop what is cached of it. */
  | { kind: 'catalog-changed'; workflowId: number }
  /** A global constant was set or deleted: drop the cached `GlobalConstants` scope. */
  | { kind: 'constants-changed' }
  /** A run is being stopped: whoever executes its task instances aborts them. */
  | { kind: 'stop-requested'; runId: number }
  /** Hints may have been lost (a connection came back): rescan everything. */
  | { kind: 'resync' };

export type WeirEventListener = (event: WeirEvent) => void;

/** The port the engine, the management caches and the run waiters use to hear of changes. */
export interface Notifier {
  /** Delivers `event` to every listener on every node, this one included. Never throws. */
  publish(event: WeirEvent): void;
  /** Listens to every event; returns the unsubscribe function. */
  subscribe(listener: WeirEventListener): () => void;
  close(): Promise<void>;
}

/**
 * The in-process notifier (one node: SQLite). Listeners are called synchronously, in subscription
 * order; a listener that throws is a bug, reported to `onListenerError` and not to the publisher.
 */
export class LocalNotifier implements Notifier {
  private readonly listeners = new Set<WeirEventListener>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => undefined) {}

  publish(event: WeirEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  subscribe(listener: WeirEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
