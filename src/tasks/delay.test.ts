import { describe, expect, it } from 'vitest';
import { Delay, MAX_DELAY_MS } from './delay.js';
import { makeContext } from './test-context.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('Delay', () => {
  it('waits the rendered number of seconds, then succeeds with Data unchanged', async () => {
    let now = T0;
    const clock = (): number => now;
    const params = { delay_time: '{{Data.Seconds}}' };
    const first = await Delay.execute(makeContext(Delay, params, { data: { Seconds: 90 }, now: clock }).ctx);
    expect(first).toEqual({ kind: 'wait', isRetry: false, dueAt: T0 + 90_000, state: { delayUntil: T0 + 90_000 } });
    if (first.kind !== 'wait') return;

    now = T0 + 30_000; // woken early: wait again for the same time
    const early = await Delay.execute(
      makeContext(Delay, params, { data: { Seconds: 5 }, now: clock, state: first.state }).ctx,
    );
    expect(early).toMatchObject({ kind: 'wait', isRetry: false, dueAt: T0 + 90_000 });

    now = T0 + 90_000;
    const done = await Delay.execute(
      makeContext(Delay, params, { data: { Seconds: 90 }, now: clock, state: first.state }).ctx,
    );
    expect(done).toEqual({ kind: 'success', data: { Seconds: 90 } });
  });

  it('accepts decimal seconds and ISO timestamps', async () => {
    const decimal = await Delay.execute(makeContext(Delay, { delay_time: '1.5' }, { now: T0 }).ctx);
    expect(decimal).toMatchObject({ dueAt: T0 + 1500 });
    const at = await Delay.execute(makeContext(Delay, { delay_time: '2026-01-02T00:00:00Z' }, { now: T0 }).ctx);
    expect(at).toMatchObject({ kind: 'wait', dueAt: Date.UTC(2026, 0, 2) });
    const past = await Delay.execute(makeContext(Delay, { delay_time: '2025-06-01' }, { now: T0 }).ctx);
    expect(past).toMatchObject({ kind: 'wait', dueAt: T0 });
  });

  it('refuses more than 30 days, negatives and nonsense', async () => {
    const seconds = String(MAX_DELAY_MS / 1000 + 1);
    for (const delay_time of [seconds, '2026-03-01T00:00:00Z', '-5', 'soon', '1 2']) {
      const out = await Delay.execute(makeContext(Delay, { delay_time }, { now: T0 }).ctx);
      expect(out, delay_time).toMatchObject({ kind: 'error', errorClass: 'WorkflowError::Delay' });
    }
  });

  it('may not run in a responsive run', () => {
    expect(Delay.isResponsive).toBe(false);
  });
});
