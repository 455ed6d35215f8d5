import { describe, expect, it } from 'vitest';
import { Liquid } from './liquid.js';
import { TaskParameterError } from './task-type.js';
import { makeContext, makeTask, testTools } from './test-context.js';

describe('Logic::Liquid', () => {
  it('keeps top-level assigns and captures, not those starting with _', async () => {
    const code = `{% assign total = Data.A | plus: Data.B %}{% assign _scratch = 1 %}{% capture greeting %}Hi {{Data.Name}}{% endcapture %}`;
    const out = await Liquid.execute(makeContext(Liquid, { code }, { data: { A: 2, B: 3, Name: 'Ada' } }).ctx);
    expect(out).toEqual({
      kind: 'success',
      data: { A: 2, B: 3, Name: 'Ada', Liquid: { total: 5, greeting: 'Hi Ada' } },
    });
  });

  it('merges into an existing object at the placement', async () => {
    const out = await Liquid.execute(
      makeContext(
        Liquid,
        { code: '{% assign count = 2 %}', placement: 'Vars' },
        { data: { Vars: { count: 1, kept: true } } },
      ).ctx,
    );
    expect(out).toMatchObject({ kind: 'success', data: { Vars: { count: 2, kept: true } } });
  });

  it('reports a render failure as a Liquid error', async () => {
    const out = await Liquid.execute(makeContext(Liquid, { code: '{% assign x = Data.Missing %}' }).ctx);
    expect(out).toMatchObject({
      kind: 'error',
      errorClass: 'WorkflowError::Liquid',
      message: expect.stringMatching(/^code: /),
    });
  });

  it('rejects a bad placement or missing code', () => {
    expect(() => Liquid.prepare(makeTask('Logic::Liquid', { code: 'x', placement: 'a b' }), testTools)).toThrow(
      TaskParameterError,
    );
    expect(() => Liquid.prepare(makeTask('Logic::Liquid', {}), testTools)).toThrow(TaskParameterError);
  });
});
