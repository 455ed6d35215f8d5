import { describe, expect, it } from 'vitest';
import { dataChanges, describeDataChanges } from './data-changes.js';

describe('dataChanges', () => {
  it('names changed, added and removed paths, objects key by key, other values whole', () => {
    const before = { Workflow: { Customer: 'Ada', Plan: 'Gold' }, Items: [1, 2], Old: true };
    const after = { Workflow: { Customer: 'Grace', Plan: 'Gold', Note: 'x' }, Items: [1, 3] };
    expect(dataChanges(before, after)).toEqual({
      added: ['Workflow.Note'],
      removed: ['Old'],
      changed: ['Workflow.Customer', 'Items'],
    });
  });

  it('sees no change in equal Data, whatever the key order', () => {
    const changes = dataChanges({ a: { b: [1, { c: 2 }] }, d: null }, { d: null, a: { b: [1, { c: 2 }] } });
    expect(changes).toEqual({ added: [], removed: [], changed: [] });
    expect(describeDataChanges(changes)).toBe('no change');
  });

  it('describes paths only, never values, and counts past ten', () => {
    const after = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`k${i}`, 'secret-value']));
    const text = describeDataChanges(dataChanges({ Token: 's3cret' }, { Token: 'n3w-s3cret', ...after }));
    expect(text).toBe('changed Token; added k0, k1, k2, k3, k4, k5, k6, k7, k8, k9 and 2 more');
    expect(text).not.toContain('secret-value');
    expect(text).not.toContain('s3cret');
  });

  it('stops descending at depth 8 and reports the difference there', () => {
    const deep = (leaf: number) => ({ a: { b: { c: { d: { e: { f: { g: { h: { i: leaf } } } } } } } } });
    expect(dataChanges(deep(1), deep(2)).changed).toEqual(['a.b.c.d.e.f.g.h']);
  });
});
