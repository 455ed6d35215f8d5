import { describe, expect, it } from 'vitest';
import { applyPatch, decodePatch, diffData, encodePatch, encodeSet } from './data-patch.js';
import type { JsonObject, JsonValue } from './records.js';

/** Round trip through the stored form: what the store rebuilds from `before` and the patch. */
function rebuilt(before: JsonObject, after: JsonObject): JsonObject {
  const { json } = encodePatch(before, diffData(before, after));
  return applyPatch(before, decodePatch(json));
}

describe('diffData / applyPatch', () => {
  const input: JsonObject = {
    Workflow: { ExecutionDate: '2024-01-01', blob: 'x'.repeat(1000), list: [1, 2, 3] },
    Liquid: { a: 1 },
  };

  it('finds only what a task set, by reference, and rebuilds the same Data', () => {
    const after = { ...input, Liquid: { ...(input.Liquid as JsonObject), b: 'two' } };
    expect(diffData(input, after)).toEqual([{ op: 'set', path: ['Liquid', 'b'], value: 'two' }]);
    expect(rebuilt(input, after)).toEqual(after);
  });

  it('nothing changed: an empty patch, and the base itself comes back', () => {
    expect(diffData(input, { ...input })).toEqual([]);
    expect(applyPatch(input, [])).toBe(input);
  });

  it('sets deeper values whole at the second level, removes keys, appends to lists', () => {
    const workflow = input.Workflow as JsonObject;
    const after: JsonObject = {
      Workflow: { ...workflow, list: [1, 2, 3, 4], nested: { deep: { x: 1 } } },
      Callout: { code: 200 },
    };
    const patch = diffData(input, after);
    expect(patch).toEqual([
      { op: 'append', path: ['Workflow', 'list'], values: [4] },
      { op: 'set', path: ['Workflow', 'nested'], value: { deep: { x: 1 } } },
      { op: 'set', path: ['Callout'], value: { code: 200 } },
      { op: 'remove', path: ['Liquid'] },
    ]);
    expect(rebuilt(input, after)).toEqual(after);
  });

  it('a value replaced by another type, and keys set to undefined, are handled as JSON sees them', () => {
    const after: JsonObject = { ...input, Liquid: [1, 2] as JsonValue, Gone: undefined as unknown as JsonValue };
    expect(rebuilt(input, after)).toEqual(JSON.parse(JSON.stringify(after)));
  });

  it('shares what did not change with the base and leaves the base as it was', () => {
    const before = JSON.parse(JSON.stringify(input)) as JsonObject;
    const result = applyPatch(input, [{ op: 'set', path: ['Liquid', 'c'], value: 3 }]);
    expect(result.Workflow).toBe(input.Workflow);
    expect(result.Liquid).toEqual({ a: 1, c: 3 });
    expect(input).toEqual(before);
  });

  it('keeps a key named __proto__ as data, never as a prototype', () => {
    const after = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as JsonObject;
    const result = rebuilt({}, after);
    expect(Object.keys(result)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
  });

  it('rebuilds what random edits made, through chains of patches', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const randomValue = (depth: number): JsonValue => {
      const kind = random(depth > 2 ? 4 : 6);
      if (kind === 0) return random(100);
      if (kind === 1) return random(3) === 0 ? `é€${random(100)}` : `s${random(100)}`;
      if (kind === 2) return null;
      if (kind === 3) return random(2) === 0;
      if (kind === 4) return Array.from({ length: random(4) }, () => randomValue(depth + 1));
      return Object.fromEntries(Array.from({ length: random(4) }, () => [`k${random(6)}`, randomValue(depth + 1)]));
    };
    /** A task's edit: top-level keys set, removed, or a nested object copied with one key changed. */
    const edit = (data: JsonObject): JsonObject => {
      const out = { ...data };
      const key = `k${random(6)}`;
      const current = out[key];
      const action = random(4);
      if (action === 0) delete out[key];
      else if (action === 1 && typeof current === 'object' && current !== null && !Array.isArray(current)) {
        out[key] = { ...current, [`k${random(6)}`]: randomValue(2) };
      } else if (action === 2 && Array.isArray(current)) out[key] = [...current, randomValue(2)];
      else out[key] = randomValue(1);
      return out;
    };
    for (let chain = 0; chain < 50; chain++) {
      let truth: JsonObject = { start: randomValue(0) };
      let stored: JsonObject = JSON.parse(JSON.stringify(truth)) as JsonObject;
      for (let step = 0; step < 20; step++) {
        const next = edit(truth);
        const { json, bytesDelta } = encodePatch(truth, diffData(truth, next));
        stored = applyPatch(stored, decodePatch(json));
        expect(stored).toEqual(JSON.parse(JSON.stringify(next)));
        // The size bound holds: the Data never grows by more than it says.
        const actual = Buffer.byteLength(JSON.stringify(next)) - Buffer.byteLength(JSON.stringify(truth));
        expect(bytesDelta).toBeGreaterThanOrEqual(actual);
        truth = next;
      }
    }
  });
});

describe('encodeSet', () => {
  it('writes one set change from a value already serialized', () => {
    expect(applyPatch({ a: 1 }, decodePatch(encodeSet(['Iterate'], '{"n":1}')))).toEqual({ a: 1, Iterate: { n: 1 } });
  });
});
