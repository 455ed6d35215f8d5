import { LRUCache } from 'lru-cache';
import { applyPatch, decodePatch, type SizedData } from '../model/data-patch.js';
import type { JsonObject, RunRecord, RunState, StoredDataIn, TaskInstanceRecord } from '../model/records.js';
import { BrokenDataChainError, type RebuiltData } from '../store/data-rebuild.js';
import { initialHeld, type Anchor, type HeldData } from './data-writes.js';

/**
 * Output `Data` kept in memory: at most this many bytes of it as `SizedData.bytes` bounds them (values
 * share what they did not change, so the memory they hold is at most this). 32 MiB holds the `Data` a
 * node's in-flight runs come from, and an Iterate's output while its branches read it.
 */
const CACHE_BYTES = 32 * 1024 * 1024;
const CACHE_ENTRIES = 10_000;

/** Where the loader reads what it does not hold: the queue store, or one of its transactions. */
export interface DataSource {
  readData(ids: readonly number[], runIds?: readonly number[]): Promise<RebuiltData>;
}

/** What the loader reads an input `Data` from: how it is stored, and the For Each branch it is in. */
export type DataInOf = Pick<TaskInstanceRecord, 'iterationParentId'> & {
  /** Set on a recorded instance (its own output may be cached). */
  id?: number;
  storedData: StoredDataIn & Partial<Pick<TaskInstanceRecord['storedData'], 'outPatch' | 'outWhole'>>;
};

/** An output `Data` in the cache, with the anchor of the scope its instance is in (undefined: not known). */
interface CachedOut {
  out: SizedData;
  anchor: Anchor | null | undefined;
}

/**
 * Reads task instances' input `Data` for the engine: from the output `Data` of their base (kept in a
 * bounded cache, filled by this node's own completions and by what it read), plus their stored changes.
 * The cache needs no invalidation: an output `Data` never changes once another instance is based on it
 * (a rerun is a new instance; an Iterate writes the same output at each wake-up), so a value read or
 * written once is true on every node. Owner: the task executor (one per engine).
 */
export class DataLoader {
  private readonly cache: LRUCache<number, CachedOut> | null;

  /** `isCached: false`: every read goes to `source`. */
  constructor(
    private readonly source: DataSource,
    options: { isCached: boolean } | { sharing: DataLoader },
  ) {
    if ('sharing' in options) {
      this.cache = options.sharing.cache;
    } else {
      this.cache = options.isCached
        ? new LRUCache<number, CachedOut>({
            max: CACHE_ENTRIES,
            maxSize: CACHE_BYTES,
            sizeCalculation: (entry) => Math.max(1, entry.out.bytes),
          })
        : null;
    }
  }

  /**
   * This loader's cache over another source: inside a queue transaction, what is not cached is read on the
   * transaction's own connection (on PostgreSQL a second pooled connection could wait for this one forever).
   */
  reading(source: DataSource): DataLoader {
    return new DataLoader(source, { sharing: this });
  }

  /** Keeps a completed instance's output `Data` (held: with the anchor of its scope) for its successors. */
  remember(instanceId: number, out: HeldData): void {
    this.cache?.set(instanceId, { out, anchor: out.anchor });
  }

  /**
   * A task instance's input `Data`. Throws `BrokenDataChainError` when its chain is broken (a bug), or
   * the store's error.
   */
  async dataIn(instance: DataInOf, run: RunState | RunRecord): Promise<HeldData> {
    const { inWhole, inPatch } = instance.storedData;
    const own = this.unchangedOutput(instance);
    if (own) return own;
    if (inWhole !== null) {
      return { data: JSON.parse(inWhole) as JsonObject, bytes: Buffer.byteLength(inWhole), depth: 0, anchor: null };
    }
    const base = await this.baseOf(instance, run);
    if (inPatch === null) return base;
    const data = applyPatch(base.data, decodePatch(inPatch));
    return { ...base, data, bytes: base.bytes + Buffer.byteLength(inPatch) };
  }

  /**
   * The input of an instance whose recorded output is its input unchanged, from its own output in the
   * cache: an Iterate woken for its next branches reads nothing.
   */
  private unchangedOutput(instance: DataInOf): HeldData | undefined {
    const { id, storedData } = instance;
    if (id === undefined || storedData.outPatch !== '[]' || storedData.outWhole !== null) return undefined;
    const cached = this.cache?.get(id);
    if (!cached || cached.anchor === undefined) return undefined;
    return { ...cached.out, depth: Math.max(0, cached.out.depth - 1), anchor: cached.anchor };
  }

  /**
   * What an instance's input `Data` is based on (the run's initial `Data`, or another instance's output),
   * with the anchor of the instance's scope: for the first task of a For Each branch, the Iterate's
   * output it is based on; otherwise its base's own anchor (successors stay in their base's scope).
   */
  async baseOf(instance: DataInOf, run: RunState | RunRecord): Promise<HeldData> {
    const baseId = instance.storedData.baseId;
    if (baseId === null) return this.initialOf(run);
    const parentId = instance.iterationParentId;
    const cached = this.cache?.get(baseId);
    if (cached) {
      if (parentId === baseId) return { ...cached.out, anchor: ownAnchor(baseId, cached.out) };
      if (cached.anchor !== undefined) return { ...cached.out, anchor: cached.anchor };
    }
    // One read for the base and the anchor of its scope, so that both are the objects their values share.
    const ids = parentId !== null && parentId !== baseId ? [baseId, parentId] : [baseId];
    const rebuilt = await this.source.readData(ids);
    const out = rebuilt.outs.get(baseId);
    if (!out) throw new BrokenDataChainError(`the output Data of task instance ${baseId} cannot be found`);
    if (parentId === baseId) {
      // The base's own anchor (its scope's) is not known from here: kept unknown.
      this.cache?.set(baseId, { out, anchor: cached?.anchor });
      return { ...out, anchor: ownAnchor(baseId, out) };
    }
    const anchor = anchorOf(rebuilt, parentId, run.id);
    this.cache?.set(baseId, { out, anchor });
    return { ...out, anchor };
  }

  /**
   * A run's initial `Data`: derived from its inputs when the record carries them, else read (the engine's
   * run records leave the inputs out; only first tasks, and inputs rebased on them, need them).
   */
  private async initialOf(run: RunState | RunRecord): Promise<HeldData> {
    if ('inputs' in run) return initialHeld(run);
    const initial = (await this.source.readData([], [run.id])).initials.get(run.id);
    if (!initial) throw new BrokenDataChainError(`run ${run.id} cannot be found`);
    return { ...initial, anchor: { id: null, data: initial.data, depth: 0 } };
  }
}

function ownAnchor(id: number, out: SizedData): Anchor {
  return { id, data: out.data, depth: out.depth };
}

/** The anchor of a scope from a rebuild: the Iterate's output, or the run's initial `Data` it started from. */
function anchorOf(rebuilt: RebuiltData, parentId: number | null, runId: number): Anchor | null {
  if (parentId !== null) {
    const parent = rebuilt.outs.get(parentId);
    return parent ? ownAnchor(parentId, parent) : null;
  }
  const initial = rebuilt.initials.get(runId);
  return initial ? { id: null, data: initial.data, depth: 0 } : null;
}
