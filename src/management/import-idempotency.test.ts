import { describe, expect, it } from 'vitest';
import { ImportIdempotency } from './import-idempotency.js';

describe('ImportIdempotency', () => {
  it('forgets keys after ttlMs and beyond maxKeys, oldest first; failures are not remembered', async () => {
    let now = 0;
    const memory = new ImportIdempotency({ now: () => now, ttlMs: 1000, maxKeys: 2 });
    let calls = 0;
    const work = async () => ++calls;
    expect(await memory.once('s', 'a', 1, work)).toBe(1);
    expect(await memory.once('s', 'a', 1, work)).toBe(1);
    now = 1000;
    expect(await memory.once('s', 'a', 1, work)).toBe(2);
    await memory.once('s', 'b', 1, work);
    await memory.once('s', 'c', 1, work);
    // 'a' was the oldest of three: it is gone.
    expect(await memory.once('s', 'a', 1, work)).toBe(5);
    await expect(memory.once('s', 'f', 1, () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await memory.once('s', 'f', 1, work)).toBe(6);
    // Scopes keep keys apart.
    expect(await memory.once('other', 'c', 1, work)).toBe(7);
  });
});
