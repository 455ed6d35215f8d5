import type { JsonObject, JsonValue } from './records.js';

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Deep merge of `Data` objects (Logic::Merge): objects merge key by key, anything else (arrays
 * included) is replaced by the later value. Neither input is changed.
 */
export function deepMerge(base: JsonObject, addition: JsonObject): JsonObject {
  const merged: JsonObject = { ...base };
  for (const [key, value] of Object.entries(addition)) {
    const current = merged[key];
    merged[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return merged;
}
