import type { JsonObject, JsonValue } from './records.js';

/**
 * What changed between two `Data` objects, and how to apply it again. Weir stores a task instance's
 * `Data` as the changes from the `Data` it came from (docs/architecture.md, "Data, stored once"): a
 * task adds `Data.Liquid.total` to a 1 MiB input, the store writes that one change, not the input again.
 *
 * The diff relies on how tasks build their output: they set top-level keys of their (shallow) copy of
 * `Data` and never change a value they were given in place (`TaskContext.data`), so an unchanged value
 * is the very same object. Comparing references finds the changes without walking the values: the
 * cost is the number of keys looked at, not the size of `Data`.
 */

/** One change: a value set at a path, the key at a path removed, values appended to the array at a path. */
export type DataChange =
  | { op: 'set'; path: string[]; value: JsonValue }
  | { op: 'remove'; path: string[] }
  | { op: 'append'; path: string[]; values: JsonValue[] };

/** The changes that turn one `Data` into another, in order. Stored as JSON. */
export type DataPatch = DataChange[];

/** `Data` with what it costs: its JSON size (an estimate) and how many stored rows rebuild it. */
export interface SizedData {
  data: JsonObject;
  /**
   * The UTF-8 size of its JSON text, or more: exact when measured, else an upper bound grown by the
   * changes that made it. The 5 MiB limit measures exactly only when the bound comes near it.
   */
  bytes: number;
  /** Rows the store reads to rebuild it: 0 when it is stored whole (or is the run's initial `Data`). */
  depth: number;
}

/**
 * Levels of nested objects the diff descends into: `Data.Liquid.total` is a change of `Liquid.total`,
 * not of the whole `Liquid` (which holds every variable earlier tasks kept). Deeper changes set the
 * whole value at the second level.
 */
const MAX_DEPTH = 2;

/** The changes from `before` to `after`, found by comparing references (see above). */
export function diffData(before: JsonObject, after: JsonObject): DataPatch {
  const changes: DataPatch = [];
  diffInto(changes, [], before, after, 1);
  return changes;
}

function diffInto(changes: DataPatch, path: string[], before: JsonObject, after: JsonObject, depth: number): void {
  for (const key of Object.keys(after)) {
    const value = after[key];
    // A key set to undefined is absent from the JSON: a removal (below), not a change.
    if (value === undefined) continue;
    const had = hasOwn(before, key);
    const old = had ? before[key] : undefined;
    if (had && old === value) continue;
    const at = [...path, key];
    if (had && old !== undefined) {
      if (depth < MAX_DEPTH && isObject(old) && isObject(value)) {
        diffInto(changes, at, old, value, depth + 1);
        continue;
      }
      if (Array.isArray(old) && Array.isArray(value) && isPrefix(old, value)) {
        changes.push({ op: 'append', path: at, values: value.slice(old.length) });
        continue;
      }
    }
    changes.push({ op: 'set', path: at, value });
  }
  for (const key of Object.keys(before)) {
    if (before[key] !== undefined && (!hasOwn(after, key) || after[key] === undefined)) {
      changes.push({ op: 'remove', path: [...path, key] });
    }
  }
}

/** Whether `longer` extends `shorter` with the same elements (a callout's record appended to a list). */
function isPrefix(shorter: JsonValue[], longer: JsonValue[]): boolean {
  if (longer.length <= shorter.length) return false;
  for (let i = 0; i < shorter.length; i++) if (shorter[i] !== longer[i]) return false;
  return true;
}

/**
 * `base` with `patch` applied. Neither is changed: the objects on the paths the patch touches are
 * copied, everything else is shared with `base`.
 */
export function applyPatch(base: JsonObject, patch: DataPatch): JsonObject {
  if (patch.length === 0) return base;
  const root: JsonObject = { ...base };
  const copies = new Set<JsonObject>([root]);
  for (const change of patch) {
    const last = change.path[change.path.length - 1];
    if (last === undefined) continue;
    let parent = root;
    for (const key of change.path.slice(0, -1)) {
      const child = hasOwn(parent, key) ? parent[key] : undefined;
      if (isObject(child) && copies.has(child)) {
        parent = child;
        continue;
      }
      const copy: JsonObject = isObject(child) ? { ...child } : {};
      copies.add(copy);
      setOwn(parent, key, copy);
      parent = copy;
    }
    switch (change.op) {
      case 'set':
        setOwn(parent, last, change.value);
        break;
      case 'remove':
        delete parent[last];
        break;
      case 'append': {
        const existing = hasOwn(parent, last) ? parent[last] : undefined;
        setOwn(parent, last, Array.isArray(existing) ? [...existing, ...change.values] : [...change.values]);
        break;
      }
    }
  }
  return root;
}

/** A patch as the store keeps it, and how much it may grow the `Data`. */
export interface EncodedPatch {
  /** JSON text of the patch; `[]` when nothing changed. */
  json: string;
  /**
   * At least what the `Data`'s JSON gains in UTF-8 bytes (negative: loses): a new value counts 3 bytes a
   * character (the most UTF-8 takes for one UTF-16 unit), a value replaced or removed one byte a character.
   */
  bytesDelta: number;
}

/**
 * Encodes the changes from `before` as JSON, each new value serialized once, with a bound of how they
 * change the size of `before`'s JSON (values replaced or removed are measured too: what the task changed,
 * never the whole `Data`).
 */
export function encodePatch(before: JsonObject, patch: DataPatch): EncodedPatch {
  let bytesDelta = 0;
  const parts: string[] = [];
  for (const change of patch) {
    const path = JSON.stringify(change.path);
    const old = valueAt(before, change.path);
    const oldBytes = old === undefined ? 0 : JSON.stringify(old).length;
    // A new key costs its quoted name, a colon and a comma besides its value.
    const keyBytes = old === undefined ? 3 * (JSON.stringify(change.path[change.path.length - 1] ?? '').length + 2) : 0;
    switch (change.op) {
      case 'set': {
        const value = JSON.stringify(change.value);
        bytesDelta += 3 * value.length - oldBytes + keyBytes;
        parts.push(`{"op":"set","path":${path},"value":${value}}`);
        break;
      }
      case 'remove':
        // Its value, quoted name and colon go (a comma too, unless it was the only key: not counted).
        if (old !== undefined) bytesDelta -= oldBytes + JSON.stringify(change.path[change.path.length - 1]).length + 1;
        parts.push(`{"op":"remove","path":${path}}`);
        break;
      case 'append': {
        const values = JSON.stringify(change.values);
        bytesDelta += 3 * (values.length - 1) + keyBytes;
        parts.push(`{"op":"append","path":${path},"values":${values}}`);
        break;
      }
    }
  }
  return { json: `[${parts.join(',')}]`, bytesDelta };
}

/** One `set` change as stored, from a value already serialized (an Iterate's item read from the store). */
export function encodeSet(path: readonly string[], valueJson: string): string {
  return `[{"op":"set","path":${JSON.stringify(path)},"value":${valueJson}}]`;
}

/** A patch as the store keeps it (written by `encodePatch` or `encodeSet`; never user input). */
export function decodePatch(json: string): DataPatch {
  return JSON.parse(json) as DataPatch;
}

function valueAt(data: JsonObject, path: readonly string[]): JsonValue | undefined {
  let value: JsonValue | undefined = data;
  for (const key of path) {
    if (!isObject(value) || !hasOwn(value, key)) return undefined;
    value = value[key];
  }
  return value;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasOwn(object: JsonObject, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

/** Sets an own property, also for the key `__proto__` (which plain assignment would take as the prototype). */
function setOwn(object: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    object[key] = value;
  }
}
