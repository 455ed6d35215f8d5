import type { GlobalConstantRecord, GlobalConstantStore } from '../store-global-constants.js';
import type { GlobalConstantQueries } from './global-constant-queries.js';
import type { WriteBatcher } from './write-batcher.js';

/** The global constants on SQLite: reads at once, writes through the group commit. */
export class SqliteGlobalConstants implements GlobalConstantStore {
  constructor(
    private readonly writer: WriteBatcher,
    private readonly queries: GlobalConstantQueries,
  ) {}

  async list(): Promise<GlobalConstantRecord[]> {
    return this.queries.list();
  }

  async get(name: string): Promise<GlobalConstantRecord | undefined> {
    return this.queries.get(name);
  }

  put(input: Parameters<GlobalConstantStore['put']>[0]): Promise<GlobalConstantRecord> {
    return this.writer.run(() => this.queries.put(input));
  }

  delete(name: string): Promise<boolean> {
    return this.writer.run(() => this.queries.delete(name));
  }
}
