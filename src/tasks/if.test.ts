import { describe, expect, it } from 'vitest';
import { If } from './if.js';
import { TaskParameterError } from './task-type.js';
import { makeContext, makeTask, testTools } from './test-context.js';

describe('If', () => {
  const clause = '{% if Data.Invoice.Balance > 0 %}True{% else %}False{% endif %}';

  it('fires True or False and leaves Data unchanged', async () => {
    const owed = await If.execute(makeContext(If, { if_clause: clause }, { data: { Invoice: { Balance: 5 } } }).ctx);
    expect(owed).toEqual({ kind: 'success', hook: 'True', data: { Invoice: { Balance: 5 } } });
    const paid = await If.execute(makeContext(If, { if_clause: clause }, { data: { Invoice: { Balance: 0 } } }).ctx);
    expect(paid).toMatchObject({ kind: 'success', hook: 'False' });
  });

  it('accepts any case and surrounding whitespace', async () => {
    const out = await If.execute(makeContext(If, { if_clause: '  true\n' }).ctx);
    expect(out).toMatchObject({ kind: 'success', hook: 'True' });
  });

  it('fails on anything else', async () => {
    const out = await If.execute(makeContext(If, { if_clause: 'maybe' }).ctx);
    expect(out).toMatchObject({
      kind: 'error',
      errorClass: 'WorkflowError::If',
      message: 'If clause rendered "maybe"; it must render True or False.',
    });
  });

  it('reports a missing variable as a Liquid error unless strict_variables is false', async () => {
    const strict = await If.execute(makeContext(If, { if_clause: '{{Data.Nope}}' }).ctx);
    expect(strict).toMatchObject({ kind: 'error', errorClass: 'WorkflowError::Liquid' });
    const lax = await If.execute(
      makeContext(If, { if_clause: '{% if Data.Nope %}True{% else %}False{% endif %}', strict_variables: 'false' }).ctx,
    );
    expect(lax).toMatchObject({ kind: 'success', hook: 'False' });
  });

  it('requires if_clause', () => {
    expect(() => If.prepare(makeTask('If', {}), testTools)).toThrow(TaskParameterError);
  });
});
