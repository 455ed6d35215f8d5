import { describe, expect, it } from 'vitest';
import { LazyAbort } from './lazy-abort.js';

describe('LazyAbort', () => {
  it('makes its signal only when asked, not aborted until aborted', () => {
    const abort = new LazyAbort();
    expect(abort.aborted).toBe(false);
    expect(abort.signal.aborted).toBe(false);
    expect(abort.signal).toBe(abort.signal);
  });

  it('gives a signal already aborted, with the reason, when aborted before anyone asked', () => {
    const abort = new LazyAbort();
    const reason = new Error('stopped');
    abort.abort(reason);
    expect(abort.aborted).toBe(true);
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toBe(reason);
  });

  it('aborts a signal handed out earlier, once, keeping the first reason', () => {
    const abort = new LazyAbort();
    const { signal } = abort;
    const heard: unknown[] = [];
    signal.addEventListener('abort', () => heard.push(signal.reason));
    const first = new Error('first');
    abort.abort(first);
    abort.abort(new Error('second'));
    expect(heard).toEqual([first]);
    expect(signal.reason).toBe(first);
  });
});
