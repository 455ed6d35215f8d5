import { describe, expect, it } from 'vitest';
import { JsonTransform } from './json-transform.js';
import type { TaskParameterError } from './task-type.js';
import { makeContext, makeTask, testTools } from './test-context.js';

const data = {
  Invoices: [
    { Id: 'I-1', Balance: 10 },
    { Id: 'I-2', Balance: 0 },
    { Id: 'I-3', Balance: 5.5 },
  ],
};

describe('Logic::JSONTransform', () => {
  it('evaluates JSONata over Data by default and writes Data.JSONTransform', async () => {
    const { ctx } = makeContext(
      JsonTransform,
      { template: '{"owed": $sum(Invoices.Balance), "open": Invoices[Balance > 0].Id}' },
      { data },
    );
    expect(await JsonTransform.execute(ctx)).toEqual({
      kind: 'success',
      data: { ...data, JSONTransform: { owed: 15.5, open: ['I-1', 'I-3'] } },
    });
  });

  it('renders Liquid that must be JSON, into a chosen placement', async () => {
    const parameters = {
      processor: 'Liquid',
      template: '{"first": {{ Data.Invoices[0].Id | json }}}',
      placement: 'First',
    };
    const out = await JsonTransform.execute(makeContext(JsonTransform, parameters, { data }).ctx);
    expect(out).toEqual({ kind: 'success', data: { ...data, First: { first: 'I-1' } } });
  });

  it('writes null when JSONata matches nothing', async () => {
    const out = await JsonTransform.execute(makeContext(JsonTransform, { template: 'Nothing.Here' }, { data }).ctx);
    expect(out).toMatchObject({ kind: 'success', data: { JSONTransform: null } });
  });

  it('fails with WorkflowError::JSONTransform when Liquid does not render JSON', async () => {
    const out = await JsonTransform.execute(
      makeContext(JsonTransform, { processor: 'liquid', template: '{ not json {{ Data.Invoices.size }}' }, { data })
        .ctx,
    );
    expect(out).toMatchObject({
      kind: 'error',
      errorClass: 'WorkflowError::JSONTransform',
      message: expect.stringMatching(/^The Liquid template did not render valid JSON: /),
      details: '{ not json 3',
      data,
    });
  });

  it('reports a JSONata evaluation error as WorkflowError::JSONata', async () => {
    const out = await JsonTransform.execute(
      makeContext(JsonTransform, { template: '$number("x") + Invoices' }, { data }).ctx,
    );
    expect(out).toMatchObject({ kind: 'error', errorClass: 'WorkflowError::JSONata' });
  });

  it('rejects unusable parameters at prepare', () => {
    for (const [parameters, name] of [
      [{}, 'template'],
      [{ template: '(' }, 'template'],
      [{ processor: 'XML', template: '<a/>' }, 'processor'],
      [{ template: 'a', placement: 'a.b' }, 'placement'],
    ] as const) {
      expect(() => JsonTransform.prepare(makeTask('Logic::JSONTransform', parameters), testTools)).toThrow(
        expect.objectContaining({ name: 'TaskParameterError', parameter: name }) as TaskParameterError,
      );
    }
  });
});
