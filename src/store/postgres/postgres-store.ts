import type pg from 'pg';
import type { Notifier } from '../notifier.js';
import type { Store } from '../store.js';
import { PgCatalog } from './catalog.js';
import { migrate, openPool } from './database.js';
import { PgGlobalConstants } from './global-constants.js';
import { PgImportKeys } from './import-keys.js';
import { PgIdBlocks } from './id-blocks.js';
import { PgNotifier } from './listen-notify.js';
import { PgNodes } from './node-queries.js';
import { PgQueue } from './queue.js';
import { PgReadModel } from './read-model.js';
import { PgRunNumbers } from './run-numbers.js';
import type { StoreObserver } from '../store-observer.js';

export interface PgStoreOptions {
  /** Connections in the pool (`WEIR_PG_POOL_SIZE`). */
  poolSize: number;
  /**
   * `application_name` of the pool's connections (the listening one adds `-listen`): operators see
   * which node holds which connection in `pg_stat_activity`.
   */
  applicationName: string;
  /** Infrastructure trouble that does not fail a request (a lost idle connection, a lost notification). */
  onError: (message: string, error: unknown) => void;
  /** Told of migrations applied at open and of the queue's group commits; default none. */
  observer?: StoreObserver;
}

/** The health probe's bound on reaching the database (a black-holed host never refuses). */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * The PostgreSQL store: any number of Weir nodes on one database. Migrations run under an advisory
 * lock at open; ids come from sequences in blocks; notifications go over LISTEN/NOTIFY.
 */
export class PgStore implements Store {
  readonly isExclusive = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly runNumbers: PgRunNumbers,
    readonly queue: PgQueue,
    readonly catalog: PgCatalog,
    readonly reads: PgReadModel,
    readonly constants: PgGlobalConstants,
    readonly nodes: PgNodes,
    readonly notifier: Notifier,
    readonly importKeys: PgImportKeys,
  ) {}

  static async open(url: string, options: PgStoreOptions): Promise<PgStore> {
    const pool = await openPool(url, {
      size: options.poolSize,
      applicationName: options.applicationName,
      onError: (error) => options.onError('an idle database connection failed', error),
    });
    try {
      await migrate(pool, options.observer?.migrationApplied?.bind(options.observer));
      const ids = new PgIdBlocks();
      const notifier = await PgNotifier.start({
        url,
        sql: pool,
        onError: options.onError,
        clientConfig: { application_name: `${options.applicationName}-listen` },
      });
      const runNumbers = new PgRunNumbers(url, {
        applicationName: options.applicationName,
        onError: (error) => options.onError('a run-number connection failed', error),
      });
      return new PgStore(
        pool,
        runNumbers,
        // Half the pool for group commits; the rest serves reads, leases and notifications meanwhile.
        new PgQueue(pool, ids, runNumbers, {
          maxConcurrentBatches: Math.max(1, Math.floor(options.poolSize / 2)),
          ...(options.observer ? { observer: options.observer } : {}),
        }),
        new PgCatalog(pool, ids),
        new PgReadModel(pool),
        new PgGlobalConstants(pool),
        new PgNodes(pool),
        notifier,
        new PgImportKeys(pool),
      );
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Reaches the database within 5 s and checks it accepts writes: a standby after a failover, or
   * `default_transaction_read_only`, answers every write with 25006, as this does.
   */
  async probe(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error('the database did not answer within 5 s'), { code: 'ETIMEDOUT' })),
        PROBE_TIMEOUT_MS,
      );
    });
    try {
      const { rows } = await Promise.race([
        this.pool.query<{ read_only: boolean }>(
          "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on' AS read_only",
        ),
        timeout,
      ]);
      if (rows[0]?.read_only) {
        throw Object.assign(new Error('the database accepts no writes (a standby, or read-only)'), { code: '25006' });
      }
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.notifier.close();
    await this.runNumbers.close();
    await this.pool.end();
  }
}
