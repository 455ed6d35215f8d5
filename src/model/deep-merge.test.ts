import { describe, expect, it } from 'vitest';
import { deepMerge } from './deep-merge.js';

describe('deepMerge', () => {
  it('merges objects key by key and replaces other values', () => {
    const a = { Workflow: { x: 1, y: { z: 1 } }, List: [1], Only: 'a' };
    const b = { Workflow: { y: { w: 2 } }, List: [2, 3], New: true };
    expect(deepMerge(a, b)).toEqual({ Workflow: { x: 1, y: { z: 1, w: 2 } }, List: [2, 3], Only: 'a', New: true });
    expect(a).toEqual({ Workflow: { x: 1, y: { z: 1 } }, List: [1], Only: 'a' });
  });
});

describe('deepMerge keeps what it does not change', () => {
  it('returns the same objects where the addition changes nothing', () => {
    const shared = { big: [1, 2, 3] };
    const a = { Workflow: shared, Left: { l: 1 } };
    const b = { Workflow: shared, Right: { r: 1 } };
    const merged = deepMerge(a, b);
    expect(merged).toEqual({ Workflow: shared, Left: { l: 1 }, Right: { r: 1 } });
    expect(merged.Workflow).toBe(shared);
    expect(deepMerge(a, { Workflow: { ...shared } }).Workflow).toBe(shared);
    expect(deepMerge(a, {})).toBe(a);
  });
});
