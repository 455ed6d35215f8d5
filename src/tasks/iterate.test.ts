import { describe, expect, it } from 'vitest';
import { Iterate } from './iterate.js';
import { makeContext, makeTask, testTools } from './test-context.js';

describe('Iterate', () => {
  it('fans out over an array at the top of Data, the item rebound under its key', async () => {
    const { ctx } = makeContext(
      Iterate,
      { object: 'Invoice', concurrency: '2' },
      { data: { Invoice: [{ id: 'a' }, { id: 'b' }, { id: 'c' }], Other: 1 } },
    );
    const outcome = await Iterate.execute(ctx);
    // The items go to the engine once, to be stored; the state keeps a cursor, not the items.
    expect(outcome).toEqual({
      kind: 'fan-out',
      hook: 'For Each',
      key: 'Invoice',
      items: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
      firstIndex: 0,
      count: 2,
      state: { key: 'Invoice', total: 3, launched: 2 },
      ifHookUnlinked: { kind: 'success', hook: 'Complete', data: ctx.data },
    });
  });

  it('on a wake-up starts the next items from its cursor, as many as branches ended, then completes', async () => {
    const state = { key: 'Invoice', total: 3, launched: 2 };
    const { ctx } = makeContext(Iterate, { object: 'Invoice', concurrency: '2' }, { data: { Invoice: [] }, state });
    const oneEnded = await Iterate.execute({ ...ctx, iterationsDone: 1 });
    expect(oneEnded).toMatchObject({ kind: 'fan-out', key: 'Invoice', firstIndex: 2, count: 1 });
    expect(oneEnded).not.toHaveProperty('items');
    expect(oneEnded).toMatchObject({ state: { key: 'Invoice', total: 3, launched: 3 } });
    const noneEnded = await Iterate.execute({ ...ctx, iterationsDone: 0 });
    expect(noneEnded).toMatchObject({ kind: 'fan-out', firstIndex: 2, count: 0 });
    const allEnded = await Iterate.execute({ ...ctx, state: { ...state, launched: 3 }, iterationsDone: 3 });
    expect(allEnded).toMatchObject({ kind: 'success', hook: 'Complete' });
  });

  it('a state kept with its items (before they were stored apart) hands them over once and goes on', async () => {
    const state = { key: 'Invoice', items: [1, 2, 3], launched: 1 };
    const { ctx } = makeContext(Iterate, { object: 'Invoice' }, { state });
    expect(await Iterate.execute({ ...ctx, iterationsDone: 1 })).toMatchObject({
      kind: 'fan-out',
      items: [1, 2, 3],
      firstIndex: 1,
      count: 1,
      state: { key: 'Invoice', total: 3, launched: 2 },
    });
  });

  it('an empty or absent array completes at once; a non-array is a task error', async () => {
    const empty = makeContext(Iterate, { object: 'Invoice' }, { data: { Invoice: [] } });
    expect(await Iterate.execute(empty.ctx)).toMatchObject({ kind: 'success', hook: 'Complete' });
    const wrong = makeContext(Iterate, { object: 'Invoice' }, { data: { Invoice: { id: 1 } } });
    expect(await Iterate.execute(wrong.ctx)).toMatchObject({ kind: 'error', message: 'Data.Invoice is not an array.' });
  });

  it('takes object from the task itself, as the reference exports it, and logs an absent one', async () => {
    const base = makeContext(Iterate, { object: 'placeholder' }, { data: { Invoice: [1, 2] } });
    const task = { ...makeTask('Iterate', { iteration_type: 'Default' }), object: 'Invoice' };
    const ctx = { ...base.ctx, task, prepared: Iterate.prepare(task, testTools) };
    expect(await Iterate.execute(ctx)).toMatchObject({ kind: 'fan-out', key: 'Invoice', items: [1, 2] });
    const absent = { ...ctx, prepared: { ...ctx.prepared, object: 'Subscription__4.csv.zip' } };
    expect(await Iterate.execute(absent)).toMatchObject({ kind: 'success', hook: 'Complete' });
    expect(base.logs).toEqual(['Data.Subscription__4.csv.zip is absent: nothing to iterate.']);
  });

  it('Unique-Field keeps the first item per value of a flat or dotted field; chunk_size "0" is unchunked', async () => {
    const rows = [
      { 'Account.Id': 'a', n: 1 },
      { 'Account.Id': 'b', n: 2 },
      { 'Account.Id': 'a', n: 3 },
    ];
    const flat = makeContext(
      Iterate,
      {
        object: 'Rows',
        iteration_type: 'Unique-Field',
        iteration_field: 'Account.Id',
        chunk_size: '0',
        concurrency: '5',
      },
      { data: { Rows: rows } },
    );
    expect(await Iterate.execute(flat.ctx)).toMatchObject({ items: [rows[0], rows[1]], state: { launched: 2 } });
    const nested = [{ Account: { Id: 'x' } }, { Account: { Id: 'x' } }, { Account: { Id: 'y' } }];
    const dotted = makeContext(
      Iterate,
      { object: 'Rows', iteration_type: 'Unique-Field', iteration_field: 'Account.Id', concurrency: '5' },
      { data: { Rows: nested } },
    );
    expect(await Iterate.execute(dotted.ctx)).toMatchObject({ items: [nested[0], nested[2]] });
  });

  it('refuses an unknown iteration_type and a Unique-Field without its field', () => {
    expect(() => Iterate.prepare(makeTask('Iterate', { object: 'X', iteration_type: 'Sideways' }), testTools)).toThrow(
      expect.objectContaining({ parameter: 'iteration_type' }) as Error,
    );
    expect(() =>
      Iterate.prepare(makeTask('Iterate', { object: 'X', iteration_type: 'Unique-Field' }), testTools),
    ).toThrow(expect.objectContaining({ parameter: 'iteration_field' }) as Error);
  });
});
