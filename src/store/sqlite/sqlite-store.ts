import type Database from 'better-sqlite3';
import { LocalNotifier, type Notifier } from '../notifier.js';
import type { Store } from '../store.js';
import { SqliteCatalog } from './catalog.js';
import { SqliteDataQueries } from './data-queries.js';
import { migrate, openDatabase } from './database.js';
import { DraftWriter } from './draft-writer.js';
import { IdAllocator } from './id-allocator.js';
import { LeaseQueries } from './lease-queries.js';
import { SqliteQueue } from './queue.js';
import { SqliteQueueTransaction } from './queue-transaction.js';
import { HistoryQueries } from './history-queries.js';
import { HistoryReader } from './history-reader.js';
import { InThreadSearches, SqliteReadModel, type HistorySearches } from './read-model.js';
import { RetentionQueries } from './retention-queries.js';
import { RunCounters } from './run-counters.js';
import { TaskUsageCounter } from './task-usage-counter.js';
import { RunCreation } from './run-creation.js';
import { ScheduleQueries } from './schedule-queries.js';
import { VersionQueries } from './version-queries.js';
import { WorkflowQueries } from './workflow-queries.js';
import { GlobalConstantQueries } from './global-constant-queries.js';
import { SqliteGlobalConstants } from './global-constants.js';
import { WriteBatcher } from './write-batcher.js';
import { SqliteNodes } from './node-queries.js';
import type { StoreObserver } from '../store-observer.js';
import { SqliteImportKeys } from './import-keys.js';

export interface SqliteStoreOptions {
  onClose?: () => void;
  onListenerError?: (error: unknown) => void;
  /**
   * A server's store: how long a write waits, off the event loop, for a write lock another process
   * holds (`WEIR_SQLITE_BUSY_SECONDS`). Absent (an admin command): SQLite's own busy wait of 5 s.
   */
  lockWaitMs?: number;
  /** `WEIR_SQLITE_MAX_SIZE_MB`, in bytes. */
  maxSizeBytes?: number | null;
  /** Told of migrations and group commits (metrics). */
  observer?: StoreObserver;
}

/** A server's statements sleep at most this long in SQLite's busy handler (see `WriteBatcher`). */
const SERVER_BUSY_TIMEOUT_MS = 10;

/**
 * The embedded store: one SQLite file, one server (the data-dir lock, `server-lock.ts`). Reads run
 * synchronously on prepared statements; writes are group-committed by the `WriteBatcher`; the
 * notifier is in-process.
 */
export class SqliteStore implements Store {
  readonly queue: SqliteQueue;
  readonly catalog: SqliteCatalog;
  readonly reads: SqliteReadModel;
  readonly constants: SqliteGlobalConstants;
  readonly nodes: SqliteNodes;
  readonly importKeys: SqliteImportKeys;
  readonly notifier: Notifier;
  readonly isExclusive = true;

  private constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
    parts: {
      queue: SqliteQueue;
      catalog: SqliteCatalog;
      reads: SqliteReadModel;
      constants: SqliteGlobalConstants;
      nodes: SqliteNodes;
      importKeys: SqliteImportKeys;
    },
    private readonly history: HistorySearches,
    private readonly onClose: () => void,
    onListenerError: (error: unknown) => void,
  ) {
    this.queue = parts.queue;
    this.catalog = parts.catalog;
    this.reads = parts.reads;
    this.constants = parts.constants;
    this.nodes = parts.nodes;
    this.importKeys = parts.importKeys;
    this.notifier = new LocalNotifier(onListenerError);
  }

  /**
   * Opens (and creates or upgrades) the database file. `onClose` runs after it is closed; `observer`
   * is told of migrations and group commits.
   */
  static open(file: string, options: SqliteStoreOptions = {}): SqliteStore {
    const isServer = options.lockWaitMs !== undefined;
    const { observer } = options;
    // A server waits for locks on a timer (the WriteBatcher), never for long in SQLite's busy handler.
    const db = openDatabase(file, {
      ...(isServer ? { busyTimeoutMs: SERVER_BUSY_TIMEOUT_MS } : {}),
      maxSizeBytes: options.maxSizeBytes ?? null,
    });
    try {
      migrate(db, observer?.migrationApplied?.bind(observer));
    } catch (error) {
      db.close();
      throw error;
    }
    const ids = new IdAllocator(db);
    const counters = new RunCounters(db);
    const usage = new TaskUsageCounter(db);
    const writer = new WriteBatcher(db, () => ids.reset(), {
      states: [counters, usage],
      ...(observer ? { observer } : {}),
      ...(options.lockWaitMs !== undefined ? { lockWaitMs: options.lockWaitMs } : {}),
    });
    const data = new SqliteDataQueries(db);
    const tx = new SqliteQueueTransaction(db, ids, data, usage);
    const runs = new RunCreation(db, ids, counters, tx);
    const workflows = new WorkflowQueries(db);
    const schedules = new ScheduleQueries(db, runs);
    const queue = new SqliteQueue(
      writer,
      tx,
      runs,
      new LeaseQueries(db),
      schedules,
      new RetentionQueries(db),
      data,
      ids,
      new DraftWriter(db, usage),
    );
    // A file's history is searched in the history thread; an in-memory database is this connection's only.
    const history: HistorySearches =
      file === ':memory:' ? new InThreadSearches(new HistoryQueries(db)) : new HistoryReader(file);
    const catalog = new SqliteCatalog(writer, ids, workflows, new VersionQueries(db, workflows), schedules);
    return new SqliteStore(
      db,
      writer,
      {
        queue,
        catalog,
        reads: new SqliteReadModel(db, data, history),
        constants: new SqliteGlobalConstants(writer, new GlobalConstantQueries(db)),
        nodes: new SqliteNodes(db, writer),
        importKeys: new SqliteImportKeys(db, writer),
      },
      history,
      options.onClose ?? (() => undefined),
      options.onListenerError ?? ((error) => process.emitWarning(`a notifier listener threw: ${String(error)}`)),
    );
  }

  /**
   * Takes and releases the write lock through the group commit (an empty transaction: no fsync).
   * Throws SQLITE_BUSY at once while writes wait for a lock another process holds; otherwise as the
   * group commit does (after `WEIR_SQLITE_BUSY_SECONDS` if a lock appears meanwhile). No timer of its
   * own: a slow answer on a loaded machine is not a failing store.
   */
  async probe(): Promise<void> {
    if (this.writer.lockWaitingMs() > 0) {
      throw Object.assign(new Error('database is locked by another process'), { code: 'SQLITE_BUSY' });
    }
    await this.writer.run(() => undefined);
  }

  async close(): Promise<void> {
    // Let queued writes commit before closing.
    await this.writer.run(() => undefined);
    await this.notifier.close();
    // The history thread's connection first: the last connection to close checkpoints the WAL into the
    // file and removes it, so a stopped Weir leaves weir.db whole.
    await this.history.close();
    this.db.close();
    this.onClose();
  }
}
