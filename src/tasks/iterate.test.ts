import { describe, expect, it } from 'vitest';
import { Iterate } from './iterate.js';
import { makeContext } from './test-context.js';

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
});
