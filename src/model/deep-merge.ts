import type { JsonObject, JsonValue } from './records.js';

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Deep merge of `Data` objects (Logic::Merge): objects merge key by key, anything else (arrays
 * included) is replaced by the later value. Neither input is changed. What the merge leaves as it was
 * stays the very same object (parallel branches share most of their `Data`), so the store finds the
 * merge's changes by reference (model/data-patch.ts).
 */
export function deepMerge(base: JsonObject, addition: JsonObject): JsonObject {
  if (base === addition) return base;
  let merged: JsonObject | undefined;
  for (const [key, value] of Object.entries(addition)) {
    const had = Object.prototype.hasOwnProperty.call(base, key);
    const current = had ? base[key] : undefined;
    const next = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
    if (had && next === current) continue;
    merged ??= { ...base };
    // defineProperty: a key named __proto__ stays data.
    Object.defineProperty(merged, key, { value: next, writable: true, enumerable: true, configurable: true });
  }
  return merged ?? base;
}
