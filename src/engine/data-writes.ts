import { diffData, encodePatch, encodeSet, type SizedData } from '../model/data-patch.js';
import { initialData } from '../model/initial-data.js';
import type { JsonObject, JsonValue, RunRecord, StoredDataIn, StoredDataOut } from '../model/records.js';

/**
 * How the engine writes task instances' `Data` (docs/architecture.md, "Data, stored once"): an input
 * `Data` is the output of the instance it came from, referenced, not copied (plus what changed: a failure's
 * `Data.Tasks.Previous`, an Iterate's item); an output `Data` is the changes from the input. Reading one
 * back walks its chain of bases; a chain longer than `MAX_DATA_DEPTH` is cut by rebasing the next input
 * on the anchor of its scope, with the changes since that anchor. The `Data` is never stored again whole.
 */

/** Rows a chain of patches may reach before the next input `Data` is rebased on its anchor. */
export const MAX_DATA_DEPTH = 32;

/**
 * An Iterate whose input `Data` lies deeper than this is rebased on its anchor when it starts its
 * branches, once: every branch then starts from a short chain, so none of the (possibly 100,000) branches
 * reaches `MAX_DATA_DEPTH` and needs rebasing itself because of what came before the Iterate.
 */
export const FAN_OUT_REBASE_DEPTH = 4;

/**
 * What a chain is rebased on: the run's initial `Data` (`id` null) or the output `Data` of the Iterate
 * task instance `id` whose For Each branch it is in. `data` is the very object the `Data` derived from it
 * shares its unchanged values with, so the changes since it are found by reference (cheaply).
 */
export interface Anchor {
  id: number | null;
  data: JsonObject;
  depth: number;
}

/** `Data` this node holds, and the anchor of its scope when known (null: read whole, no anchor). */
export interface HeldData extends SizedData {
  anchor: Anchor | null;
}

/** A task instance's `Data` as it is written, and as this node goes on holding it. */
export interface Written<Stored> {
  stored: Stored;
  held: HeldData;
}

/** A run's initial `Data`, its own anchor. `bytes`: its size when known (the trigger measured the inputs). */
export function initialHeld(
  run: Pick<RunRecord, 'createdAt' | 'runUser' | 'previousRunAt' | 'inputs'>,
  bytes?: number,
): HeldData {
  const data = initialData(run);
  return {
    data,
    bytes: bytes ?? Buffer.byteLength(JSON.stringify(data)),
    depth: 0,
    anchor: { id: null, data, depth: 0 },
  };
}

/** The input `Data` of a first task of a run: the run's initial `Data`, derived from its inputs. */
export const INITIAL_DATA_IN: StoredDataIn = { baseId: null, inPatch: null, inWhole: null };

/** An output `Data`: the changes from the input `Data` (an empty patch when the task changed nothing). */
export function writeOut(input: HeldData, out: JsonObject): Written<StoredDataOut> {
  const depth = input.depth + 1;
  if (out === input.data) return { stored: { outPatch: '[]', outWhole: null }, held: { ...input, depth } };
  const patch = encodePatch(input.data, diffData(input.data, out));
  return {
    stored: { outPatch: patch.json, outWhole: null },
    held: { data: out, bytes: input.bytes + patch.bytesDelta, depth, anchor: input.anchor },
  };
}

/**
 * The input `Data` of a successor of `baseId`: its output `Data` (`base`) by reference, or `data` made
 * from it (found by reference, e.g. `Data.Tasks.Previous` added), rebased when the chain is long.
 */
export function writeIn(baseId: number, base: HeldData, data: JsonObject = base.data): Written<StoredDataIn> {
  if (base.depth >= MAX_DATA_DEPTH) return rebased(data, base.bytes, base.anchor);
  if (data === base.data) return { stored: { baseId, inPatch: null, inWhole: null }, held: base };
  const patch = encodePatch(base.data, diffData(base.data, data));
  return {
    stored: { baseId, inPatch: patch.json, inWhole: null },
    held: { data, bytes: base.bytes + patch.bytesDelta, depth: base.depth, anchor: base.anchor },
  };
}

/**
 * The input `Data` of a For Each branch of Iterate instance `iterateId`: its output `Data` (`base`) with
 * `key` set to the item, given as its stored JSON (`itemJson`, written as it is) and, when this node runs
 * the branch, parsed (`item`). The branch's anchor is the Iterate's output.
 */
export function writeBranchIn(options: {
  iterateId: number;
  base: HeldData;
  key: string;
  itemJson: string;
  item: JsonValue | undefined;
}): { stored: StoredDataIn; held: HeldData | null } {
  const { iterateId, base, key, itemJson, item } = options;
  const stored = { baseId: iterateId, inPatch: encodeSet([key], itemJson), inWhole: null };
  if (item === undefined) return { stored, held: null };
  return {
    stored,
    held: {
      data: { ...base.data, [key]: item },
      bytes: base.bytes + 3 * (itemJson.length + key.length + 4),
      depth: base.depth,
      anchor: { id: iterateId, data: base.data, depth: base.depth },
    },
  };
}

/**
 * The same input `Data` stored as the changes since its anchor, when its chain is deeper than `minDepth`;
 * undefined when it is short enough (or has no anchor to rebase on).
 */
export function rebaseIn(input: HeldData, minDepth: number): Written<StoredDataIn> | undefined {
  if (input.depth <= minDepth || !input.anchor) return undefined;
  return rebased(input.data, input.bytes, input.anchor);
}

/** `data` as the changes since `anchor`; stored whole when there is no anchor (`Data` read whole). */
function rebased(data: JsonObject, bytes: number, anchor: Anchor | null): Written<StoredDataIn> {
  if (!anchor) {
    const json = JSON.stringify(data);
    const held = { data, bytes: Buffer.byteLength(json), depth: 0, anchor };
    return { stored: { baseId: null, inPatch: null, inWhole: json }, held };
  }
  const patch = encodePatch(anchor.data, diffData(anchor.data, data));
  return {
    stored: { baseId: anchor.id, inPatch: patch.json, inWhole: null },
    held: { data, bytes, depth: anchor.depth, anchor },
  };
}
