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
    expect(outcome).toEqual({
      kind: 'fan-out',
      hook: 'For Each',
      branches: [
        { Invoice: { id: 'a' }, Other: 1 },
        { Invoice: { id: 'b' }, Other: 1 },
      ],
      firstIndex: 0,
      state: { key: 'Invoice', items: [{ id: 'a' }, { id: 'b' }, { id: 'c' }], launched: 2 },
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
    expect(await Iterate.execute(ctx)).toMatchObject({ kind: 'fan-out', state: { key: 'Invoice', items: [1, 2] } });
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
    expect(await Iterate.execute(flat.ctx)).toMatchObject({ state: { items: [rows[0], rows[1]], launched: 2 } });
    const nested = [{ Account: { Id: 'x' } }, { Account: { Id: 'x' } }, { Account: { Id: 'y' } }];
    const dotted = makeContext(
      Iterate,
      { object: 'Rows', iteration_type: 'Unique-Field', iteration_field: 'Account.Id', concurrency: '5' },
      { data: { Rows: nested } },
    );
    expect(await Iterate.execute(dotted.ctx)).toMatchObject({ state: { items: [nested[0], nested[2]] } });
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
