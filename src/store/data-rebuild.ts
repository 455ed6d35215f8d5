import { applyPatch, decodePatch, type SizedData } from '../model/data-patch.js';
import { initialData } from '../model/initial-data.js';
import type { JsonObject, RunRecord, TaskInstanceRecord, TaskInstanceView } from '../model/records.js';

/**
 * Rebuilds task instances' `Data` from what the store keeps (records.ts `StoredData`): both dialects
 * read the rows of the chains with one recursive query and hand them here. Row mapping, no rules: which
 * form a `Data` is written in is the engine's choice (engine/data-writes.ts).
 */

/** The columns `Data` is rebuilt from, as both dialects' chain queries return them. */
export interface DataRow {
  id: number;
  run_id: number;
  data_base: number | null;
  data_in: string | null;
  data_in_patch: string | null;
  data_out: string | null;
  data_out_patch: string | null;
}

/** What a rebuild gives: output `Data` by task instance, and the runs' initial `Data` the chains start from. */
export interface RebuiltData {
  outs: Map<number, SizedData>;
  /** By run id: the objects the rebuilt `Data` shares, when its chain starts at the run's initial `Data`. */
  initials: Map<number, SizedData>;
}

/** A chain that does not lead to a stored `Data` (a base that is gone): a bug, never an expected outcome. */
export class BrokenDataChainError extends Error {
  override readonly name = 'BrokenDataChainError';
}

/**
 * The `Data` of the task instances whose rows it was given, each rebuilt once (values share what did not
 * change). `runs` gives the initial `Data` of chains that start at their run.
 */
export class DataRebuild {
  private readonly ins = new Map<number, SizedData>();
  private readonly outs = new Map<number, SizedData | null>();
  private readonly initials = new Map<number, SizedData>();
  private readonly visiting = new Set<number>();

  constructor(
    private readonly rows: ReadonlyMap<number, DataRow>,
    private readonly runs: ReadonlyMap<number, Pick<RunRecord, 'createdAt' | 'runUser' | 'previousRunAt' | 'inputs'>>,
  ) {}

  /** The input `Data` of a task instance whose row was read. */
  dataIn(id: number): SizedData {
    const known = this.ins.get(id);
    if (known) return known;
    const row = this.rowOf(id);
    let rebuilt: SizedData;
    if (row.data_in !== null) {
      rebuilt = { data: JSON.parse(row.data_in) as JsonObject, bytes: Buffer.byteLength(row.data_in), depth: 0 };
    } else {
      if (this.visiting.has(id)) throw new BrokenDataChainError(`the Data of task instance ${id} is based on itself`);
      this.visiting.add(id);
      const base = row.data_base === null ? this.initialOf(row.run_id) : this.dataOut(row.data_base);
      this.visiting.delete(id);
      if (!base) throw new BrokenDataChainError(`task instance ${row.data_base ?? '?'} has no output Data`);
      rebuilt = row.data_in_patch === null ? base : patched(base, row.data_in_patch, base.depth);
    }
    this.ins.set(id, rebuilt);
    return rebuilt;
  }

  /** The output `Data` of a task instance whose row was read; null when it has none yet. */
  dataOut(id: number): SizedData | null {
    const known = this.outs.get(id);
    if (known !== undefined) return known;
    const row = this.rowOf(id);
    let rebuilt: SizedData | null = null;
    if (row.data_out !== null) {
      rebuilt = { data: JSON.parse(row.data_out) as JsonObject, bytes: Buffer.byteLength(row.data_out), depth: 0 };
    } else if (row.data_out_patch !== null) {
      const input = this.dataIn(id);
      rebuilt = patched(input, row.data_out_patch, input.depth + 1);
    }
    this.outs.set(id, rebuilt);
    return rebuilt;
  }

  /** Output `Data` of `ids` (those that have one), and the initial `Data` of `runIds` and of the chains' runs. */
  result(ids: readonly number[], runIds: readonly number[] = []): RebuiltData {
    const outs = new Map<number, SizedData>();
    for (const id of ids) {
      if (!this.rows.has(id)) continue;
      const out = this.dataOut(id);
      if (out) outs.set(id, out);
    }
    for (const runId of runIds) if (this.runs.has(runId)) this.initialOf(runId);
    return { outs, initials: new Map(this.initials) };
  }

  /**
   * A task instance as the API shows it: its `Data` rebuilt whole. Retention deletes a run's instances a
   * few hundred at a time: one read between two of those batches may miss a base, and shows no `Data`.
   */
  view(instance: TaskInstanceRecord): TaskInstanceView {
    try {
      return { ...instance, dataIn: this.dataIn(instance.id).data, dataOut: this.dataOut(instance.id)?.data ?? null };
    } catch (error) {
      if (!(error instanceof BrokenDataChainError)) throw error;
      return { ...instance, dataIn: {}, dataOut: null };
    }
  }

  private rowOf(id: number): DataRow {
    const row = this.rows.get(id);
    if (!row) throw new BrokenDataChainError(`the Data of task instance ${id} was not read`);
    return row;
  }

  private initialOf(runId: number): SizedData {
    const known = this.initials.get(runId);
    if (known) return known;
    const run = this.runs.get(runId);
    if (!run) throw new BrokenDataChainError(`run ${runId} was not read`);
    const data = initialData(run);
    const initial = { data, bytes: Buffer.byteLength(JSON.stringify(data)), depth: 0 };
    this.initials.set(runId, initial);
    return initial;
  }
}

/**
 * `base` with a stored patch applied. Its size is bounded by the base's plus the patch's text (the patch
 * holds every new value; its own syntax is counted, removals are not subtracted).
 */
function patched(base: SizedData, patchJson: string, depth: number): SizedData {
  const data = applyPatch(base.data, decodePatch(patchJson));
  return { data, bytes: base.bytes + Buffer.byteLength(patchJson), depth };
}

/** Run ids whose initial `Data` the rows' chains start from. */
export function runsRootedIn(rows: Iterable<DataRow>): number[] {
  const ids = new Set<number>();
  for (const row of rows) if (row.data_base === null && row.data_in === null) ids.add(row.run_id);
  return [...ids];
}
