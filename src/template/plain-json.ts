import type { JsonValue } from '../model/records.js';

/**
 * Copies an engine's result into plain JSON, so nothing engine-specific (liquidjs drops, JSONata
 * lambdas and sequence flags) or shared with the input leaves the template layer.
 * `undefined`, functions, non-finite numbers, values `isOpaque` rejects, objects with a class
 * other than `Object`, and cycles become `null`; dates become their ISO text. Never throws.
 */
export function toPlainJson(value: unknown, isOpaque: (value: object) => boolean = () => false): JsonValue {
  const ancestors = new Set<object>();
  const copy = (item: unknown): JsonValue => {
    if (item === null || item === undefined) return null;
    if (typeof item === 'string' || typeof item === 'boolean') return item;
    if (typeof item === 'number') return Number.isFinite(item) ? item : null;
    if (typeof item !== 'object' || isOpaque(item)) return null;
    if (item instanceof Date) return Number.isNaN(item.getTime()) ? null : item.toISOString();
    if (ancestors.has(item)) return null;
    ancestors.add(item);
    try {
      if (Array.isArray(item)) return item.map(copy);
      const proto: unknown = Object.getPrototypeOf(item);
      if (proto !== Object.prototype && proto !== null) return null;
      const result: Record<string, JsonValue> = {};
      for (const [key, child] of Object.entries(item)) result[key] = copy(child);
      return result;
    } finally {
      ancestors.delete(item);
    }
  };
  return copy(value);
}
