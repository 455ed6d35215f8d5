import { describe, expect, it } from 'vitest';
import { applyPatch, decodePatch } from '../model/data-patch.js';
import type { JsonObject } from '../model/records.js';
import {
  initialHeld,
  MAX_DATA_DEPTH,
  rebaseIn,
  writeBranchIn,
  writeIn,
  writeOut,
  type HeldData,
} from './data-writes.js';

const run = { createdAt: Date.UTC(2024, 0, 2), runUser: 'API', previousRunAt: null, inputs: { Order: { id: 7 } } };

/** A chain of `length` Liquid-like tasks from the run's initial Data, each adding one variable. */
function chain(length: number): { held: HeldData; initial: HeldData } {
  const initial = initialHeld(run);
  let held = initial;
  for (let i = 0; i < length; i++) {
    const liquid = (held.data.Liquid ?? {}) as JsonObject;
    held = writeOut(held, { ...held.data, Liquid: { ...liquid, [`v${i}`]: i } }).held;
  }
  return { held, initial };
}

describe('how the engine writes Data', () => {
  it("a run's initial Data is its own anchor, sized by its JSON", () => {
    const initial = initialHeld(run);
    expect(initial).toMatchObject({ depth: 0, data: { Workflow: { WorkflowRunUser: 'API' }, Order: { id: 7 } } });
    expect(initial.anchor?.data).toBe(initial.data);
    expect(initial.bytes).toBe(Buffer.byteLength(JSON.stringify(initial.data)));
  });

  it('an output is the changes from the input; an unchanged one is an empty patch one row deeper', () => {
    const input = initialHeld(run);
    const same = writeOut(input, input.data);
    expect(same.stored).toEqual({ outPatch: '[]', outWhole: null });
    expect(same.held).toMatchObject({ depth: 1, data: input.data });
    const changed = writeOut(input, { ...input.data, Liquid: { x: 1 } });
    expect(decodePatch(changed.stored.outPatch ?? '')).toEqual([{ op: 'set', path: ['Liquid'], value: { x: 1 } }]);
    expect(changed.held.anchor).toBe(input.anchor);
  });

  it("a successor's input is its base's output by reference, until the chain is long: then the changes since the anchor", () => {
    const short = chain(3);
    expect(writeIn(99, short.held)).toEqual({
      stored: { baseId: 99, inPatch: null, inWhole: null },
      held: short.held,
    });
    const long = chain(MAX_DATA_DEPTH);
    const rebased = writeIn(99, long.held);
    expect(rebased.stored.baseId).toBeNull();
    expect(rebased.held.depth).toBe(0);
    // What is stored is what the run changed since its start (its Liquid variables), not the input again.
    expect(decodePatch(rebased.stored.inPatch ?? '')).toEqual([
      { op: 'set', path: ['Liquid'], value: long.held.data.Liquid },
    ]);
    expect(applyPatch(long.initial.data, decodePatch(rebased.stored.inPatch ?? ''))).toEqual(long.held.data);
  });

  it('without an anchor (Data read whole) a long chain is cut by writing the input whole', () => {
    const long = chain(MAX_DATA_DEPTH);
    const unanchored = writeIn(5, { ...long.held, anchor: null });
    expect(unanchored.stored).toEqual({ baseId: null, inPatch: null, inWhole: JSON.stringify(long.held.data) });
  });

  it("a branch's input is the Iterate's output by reference with its item set, anchored on that output", () => {
    const iterateOut = chain(2).held;
    const branch = writeBranchIn({
      iterateId: 42,
      base: iterateOut,
      key: 'Iterate',
      itemJson: '{"n":1}',
      item: { n: 1 },
    });
    expect(branch.stored).toEqual({
      baseId: 42,
      inPatch: '[{"op":"set","path":["Iterate"],"value":{"n":1}}]',
      inWhole: null,
    });
    expect(branch.held?.data).toEqual({ ...iterateOut.data, Iterate: { n: 1 } });
    expect(branch.held?.anchor).toEqual({ id: 42, data: iterateOut.data, depth: iterateOut.depth });
    // Not run here: nothing parsed, nothing held.
    expect(
      writeBranchIn({ iterateId: 42, base: iterateOut, key: 'Iterate', itemJson: '1', item: undefined }).held,
    ).toBeNull();
  });

  it('an Iterate deep in a chain is rebased once when it fans out; a shallow one is left as it is', () => {
    expect(rebaseIn(chain(2).held, 4)).toBeUndefined();
    const deep = chain(6).held;
    const rebased = rebaseIn(deep, 4);
    expect(rebased?.stored.baseId).toBeNull();
    expect(rebased?.held).toMatchObject({ depth: 0, data: deep.data });
  });
});
