import { dataBytes, MAX_DATA_BYTES } from '../engine/data-size.js';
import { InvalidRequestError } from '../model/errors.js';
import type { JsonObject } from '../model/records.js';

/**
 * Request bodies that carry a task's input `Data` (a rerun with edited `Data`, a task test): the body
 * is a JSON object with only the fields the operation names; `Data` is a JSON object, at most 5 MiB
 * (a task's limit, engine.md) and at most MAX_DATA_DEPTH levels deep. Each problem is a 400 naming
 * its field.
 */

/** Nesting beyond this is refused: templates and serialization recurse, and real `Data` stays far shallower. */
export const MAX_DATA_DEPTH = 100;

/** The body as an object whose keys are all in `fields`; no body (or an empty one) is `{}`. */
export function readBodyFields(body: unknown, fields: readonly string[]): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidRequestError(`The body must be a JSON object with ${fields.join(', ')}.`, 'body');
  }
  for (const key of Object.keys(body)) {
    if (!fields.includes(key)) {
      throw new InvalidRequestError(
        `${key} is not a field of this operation; its fields are ${fields.join(', ')}.`,
        key,
      );
    }
  }
  return body as Record<string, unknown>;
}

/** A task's input `Data` sent in field `field`. */
export function readData(value: unknown, field: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequestError(`${field} must be a JSON object: the task's input Data.`, field);
  }
  if (depthOf(value) > MAX_DATA_DEPTH) {
    throw new InvalidRequestError(`${field} is nested more than ${MAX_DATA_DEPTH} levels deep.`, field);
  }
  const bytes = dataBytes(JSON.stringify(value));
  if (bytes > MAX_DATA_BYTES) {
    throw new InvalidRequestError(
      `${field} is ${(bytes / 1048576).toFixed(1)} MiB; a task's Data may be at most 5 MiB.`,
      field,
    );
  }
  return value as JsonObject;
}

/** How deep a parsed JSON value nests (iteratively: a hostile value cannot overflow the stack here). */
function depthOf(root: object): number {
  let deepest = 0;
  const pending: Array<{ value: unknown; depth: number }> = [{ value: root, depth: 1 }];
  while (pending.length > 0) {
    const { value, depth } = pending.pop() as { value: unknown; depth: number };
    if (typeof value !== 'object' || value === null) continue;
    if (depth > deepest) deepest = depth;
    if (deepest > MAX_DATA_DEPTH) return deepest;
    for (const child of Object.values(value)) {
      if (typeof child === 'object' && child !== null) pending.push({ value: child, depth: depth + 1 });
    }
  }
  return deepest;
}
