import crypto from 'node:crypto';
import pg from 'pg';
import { LocalNotifier, type Notifier, type WeirEvent, type WeirEventListener } from '../notifier.js';
import type { Sql } from './database.js';

/** The channel every node listens on. */
const CHANNEL = 'weir_events';
/** Reconnection back-off after the listening connection is lost: 250 ms doubling to 10 s. */
const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;

/**
 * The notifier across nodes: an event is delivered at once to this node's listeners, and sent to the
 * others with NOTIFY; a dedicated connection LISTENs. Events are hints: one sent while a node's
 * connection was down is lost to it, so after a reconnect the node hears `resync` and rescans (the
 * claim loop claims, the waiters re-read their runs, the caches drop everything).
 */
export class PgNotifier implements Notifier {
  private readonly local: LocalNotifier;
  /** Tells this node's own notifications apart from the others'. */
  private readonly origin = crypto.randomUUID();
  private listener: pg.Client | null = null;
  private isClosed = false;
  private backoff = MIN_BACKOFF_MS;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** Notifications waiting for the end of this event-loop turn. */
  private readonly outbox = new Set<string>();

  private constructor(
    private readonly options: {
      url: string;
      sql: Sql;
      onError: (message: string, error: unknown) => void;
      clientConfig: pg.ClientConfig;
    },
  ) {
    this.local = new LocalNotifier((error) => options.onError('a notifier listener threw', error));
  }

  /** Connects the listening connection; resolves once it listens. */
  static async start(options: {
    url: string;
    sql: Sql;
    onError: (message: string, error: unknown) => void;
    clientConfig?: pg.ClientConfig;
  }): Promise<PgNotifier> {
    const notifier = new PgNotifier({ ...options, clientConfig: options.clientConfig ?? {} });
    await notifier.connect();
    return notifier;
  }

  publish(event: WeirEvent): void {
    this.local.publish(event);
    if (event.kind === 'resync') return;
    // The run itself stays home: payloads are small (NOTIFY takes at most 8000 bytes).
    const remote = event.kind === 'run-finished' ? { kind: event.kind, runId: event.runId } : event;
    const payload = JSON.stringify({ origin: this.origin, event: remote });
    // Events of one event-loop turn go out in one statement (one commit), repeats once.
    if (!this.outbox.has(payload)) this.outbox.add(payload);
    if (this.outbox.size === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    const payloads = [...this.outbox];
    this.outbox.clear();
    if (payloads.length === 0) return;
    this.options.sql
      .query('SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload', [CHANNEL, payloads])
      .catch((error: unknown) => this.options.onError('sending a notification failed', error));
  }

  subscribe(listener: WeirEventListener): () => void {
    return this.local.subscribe(listener);
  }

  async close(): Promise<void> {
    this.isClosed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.listener;
    this.listener = null;
    await client?.end().catch(() => undefined);
    await this.local.close();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url, ...this.options.clientConfig });
    client.on('notification', (message) => this.onNotification(message.payload));
    client.on('error', (error) => this.onLost(client, error));
    client.on('end', () => this.onLost(client, new Error('the listening connection ended')));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
    this.backoff = MIN_BACKOFF_MS;
  }

  private onNotification(payload: string | undefined): void {
    if (payload === undefined) return;
    try {
      const message = JSON.parse(payload) as { origin: string; event: WeirEvent };
      if (message.origin !== this.origin) this.local.publish(message.event);
    } catch (error) {
      this.options.onError('an unreadable notification was ignored', error);
    }
  }

  private onLost(client: pg.Client, error: unknown): void {
    if (this.isClosed || this.listener !== client) return;
    this.listener = null;
    this.options.onError('the notification connection was lost; reconnecting', error);
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.isClosed || this.reconnectTimer) return;
    const delay = this.backoff;
    this.backoff = Math.min(MAX_BACKOFF_MS, this.backoff * 2);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect().then(
        () => this.local.publish({ kind: 'resync' }),
        (error: unknown) => {
          this.options.onError('reconnecting the notification connection failed', error);
          this.scheduleReconnect();
        },
      );
    }, delay);
    this.reconnectTimer.unref();
  }
}
