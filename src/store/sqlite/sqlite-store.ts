import type Database from 'better-sqlite3';
import { LocalNotifier, type Notifier } from '../notifier.js';
import type { Store } from '../store.js';
import { SqliteCatalog } from './catalog.js';
import { SqliteDataQueries } from './data-queries.js';
import { migrate, openDatabase } from './database.js';
import { IdAllocator } from './id-allocator.js';
import { LeaseQueries } from './lease-queries.js';
import { SqliteQueue } from './queue.js';
import { SqliteQueueTransaction } from './queue-transaction.js';
import { SqliteReadModel } from './read-model.js';
import { RetentionQueries } from './retention-queries.js';
import { RunCounters } from './run-counters.js';
import { RunCreation } from './run-creation.js';
import { ScheduleQueries } from './schedule-queries.js';
import { VersionQueries } from './version-queries.js';
import { WorkflowQueries } from './workflow-queries.js';
import { GlobalConstantQueries } from './global-constant-queries.js';
import { SqliteGlobalConstants } from './global-constants.js';
import { WriteBatcher } from './write-batcher.js';

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
  readonly notifier: Notifier;
  readonly isExclusive = true;

  private constructor(
    private readonly db: Database.Database,
    private readonly writer: WriteBatcher,
    parts: { queue: SqliteQueue; catalog: SqliteCatalog; reads: SqliteReadModel; constants: SqliteGlobalConstants },
    private readonly onClose: () => void,
    onListenerError: (error: unknown) => void,
  ) {
    this.queue = parts.queue;
    this.catalog = parts.catalog;
    this.reads = parts.reads;
    this.constants = parts.constants;
    this.notifier = new LocalNotifier(onListenerError);
  }

  /** Opens (and creates or upgrades) the database file. `onClose` runs after it is closed. */
  static open(
    file: string,
    options: { onClose?: () => void; onListenerError?: (error: unknown) => void } = {},
  ): SqliteStore {
    const db = openDatabase(file);
    migrate(db);
    const ids = new IdAllocator(db);
    const counters = new RunCounters(db);
    const writer = new WriteBatcher(db, () => {
      ids.reset();
      counters.reset();
    });
    const data = new SqliteDataQueries(db);
    const tx = new SqliteQueueTransaction(db, ids, data);
    const runs = new RunCreation(db, ids, counters, tx);
    const workflows = new WorkflowQueries(db);
    const schedules = new ScheduleQueries(db, runs);
    const queue = new SqliteQueue(writer, tx, runs, new LeaseQueries(db), schedules, new RetentionQueries(db), data);
    const catalog = new SqliteCatalog(writer, ids, workflows, new VersionQueries(db, workflows), schedules);
    return new SqliteStore(
      db,
      writer,
      {
        queue,
        catalog,
        reads: new SqliteReadModel(db, data),
        constants: new SqliteGlobalConstants(writer, new GlobalConstantQueries(db)),
      },
      options.onClose ?? (() => undefined),
      options.onListenerError ?? ((error) => process.emitWarning(`a notifier listener threw: ${String(error)}`)),
    );
  }

  async close(): Promise<void> {
    // Let queued writes commit before closing.
    await this.writer.run(() => undefined);
    await this.notifier.close();
    this.db.close();
    this.onClose();
  }
}
