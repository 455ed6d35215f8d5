import { describe, expect, it } from 'vitest';
import { Slots } from './slots.js';

describe('Slots', () => {
  it('lets `size` holders in at once and hands freed slots out in arrival order', async () => {
    const slots = new Slots(2);
    expect(await slots.acquire()).toBe(true);
    expect(await slots.acquire()).toBe(true);
    const order: string[] = [];
    const third = slots.acquire().then((ok) => order.push(`third ${ok}`));
    const fourth = slots.acquire().then((ok) => order.push(`fourth ${ok}`));
    await Promise.resolve();
    expect(order).toEqual([]);
    slots.release();
    await third;
    expect(order).toEqual(['third true']);
    slots.release();
    await fourth;
    expect(order).toEqual(['third true', 'fourth true']);
  });

  it('drops a waiter whose signal aborts, without giving it a slot', async () => {
    const slots = new Slots(1);
    await slots.acquire();
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort();
    expect(await waiting).toBe(false);
    expect(await slots.acquire(AbortSignal.abort())).toBe(false);
    slots.release();
    // The aborted waiter took nothing: the slot is free for the next one at once.
    expect(await slots.acquire()).toBe(true);
  });
});
