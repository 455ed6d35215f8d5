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
