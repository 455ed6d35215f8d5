import type { JsonObject, JsonValue } from './records.js';

/**
 * What changed between two `Data` objects, as paths (`Customer.Name`), never values: the log of a
 * task instance rerun with edited `Data` says what was edited without copying anything (a value may
 * be a secret). Objects are compared key by key; any other value (arrays included) as a whole.
 */
export interface DataChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

/** Paths are compared this deep at most; a difference further down is reported at this depth. */
const MAX_DEPTH = 8;

export function dataChanges(before: JsonObject, after: JsonObject): DataChanges {
  const changes: DataChanges = { added: [], removed: [], changed: [] };
  compare(before, after, '', 0, changes);
  return changes;
}

function compare(before: JsonObject, after: JsonObject, prefix: string, depth: number, out: DataChanges): void {
  for (const key of Object.keys(before)) {
    if (!Object.hasOwn(after, key)) out.removed.push(prefix + key);
  }
  for (const [key, value] of Object.entries(after)) {
    const path = prefix + key;
    if (!Object.hasOwn(before, key)) {
      out.added.push(path);
      continue;
    }
    const old = before[key] as JsonValue;
    if (isObject(old) && isObject(value) && depth + 1 < MAX_DEPTH) compare(old, value, `${path}.`, depth + 1, out);
    else if (!isSame(old, value)) out.changed.push(path);
  }
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSame(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Names listed per kind of change at most; the rest are counted. */
const LISTED = 10;

/** `changed Customer.Name; added Note; removed Old` (paths only), or `no change`. */
export function describeDataChanges(changes: DataChanges): string {
  const parts: string[] = [];
  for (const kind of ['changed', 'added', 'removed'] as const) {
    const paths = changes[kind];
    if (paths.length === 0) continue;
    const shown = paths.slice(0, LISTED).join(', ');
    const more = paths.length > LISTED ? ` and ${paths.length - LISTED} more` : '';
    parts.push(`${kind} ${shown}${more}`);
  }
  return parts.length > 0 ? parts.join('; ') : 'no change';
}
