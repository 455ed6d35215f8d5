import { describe, expect, it } from 'vitest';
import { ResponseFormatter } from './response-formatter.js';
import { TaskParameterError } from './task-type.js';
import { makeContext, makeTask, testTools } from './test-context.js';

const data = { Invoice: { Id: 'INV-1', Amount: 12.5 } };

describe('Logic::ResponseFormatter', () => {
  it('renders Liquid to JSON and returns the answer', async () => {
    const out = await ResponseFormatter.execute(
      makeContext(ResponseFormatter, { template: '{"invoice": {{Data.Invoice | json}}}', code: '201' }, { data }).ctx,
    );
    const body = { invoice: { Id: 'INV-1', Amount: 12.5 } };
    expect(out).toEqual({
      kind: 'success',
      data: { ...data, ResponseFormatter: body },
      response: { code: 201, body, runResult: 'Success' },
    });
  });

  it('evaluates JSONata against Data', async () => {
    const out = await ResponseFormatter.execute(
      makeContext(
        ResponseFormatter,
        {
          processor: 'jsonata',
          template: '{"id": Invoice.Id, "cents": Invoice.Amount * 100}',
          parent_workflow_status: 'Error',
        },
        { data },
      ).ctx,
    );
    expect(out).toMatchObject({
      kind: 'success',
      response: { code: 200, body: { id: 'INV-1', cents: 1250 }, runResult: 'Error' },
    });
  });

  it('fails when the Liquid output is not JSON', async () => {
    const out = await ResponseFormatter.execute(
      makeContext(ResponseFormatter, { template: 'Done: {{Data.Invoice.Id}}' }, { data }).ctx,
    );
    expect(out).toMatchObject({
      kind: 'error',
      errorClass: 'WorkflowError::ResponseFormatter',
      message: 'The response is not a valid JSON',
    });
  });

  it('reports JSONata failures as JSONata errors', async () => {
    const out = await ResponseFormatter.execute(
      makeContext(ResponseFormatter, { processor: 'JSONata', template: '$number("x")' }, { data }).ctx,
    );
    expect(out).toMatchObject({ kind: 'error', errorClass: 'WorkflowError::JSONata' });
  });

  it('rejects bad parameters', () => {
    const bad: Record<string, unknown>[] = [
      { template: '{}', code: 99 },
      { template: '{}', code: '600' },
      { template: '{}', code: 'abc' },
      { template: '{}', processor: 'xml' },
      { template: '{}', parent_workflow_status: 'Maybe' },
      { template: '(', processor: 'JSONata' },
      {},
    ];
    for (const parameters of bad) {
      expect(() => ResponseFormatter.prepare(makeTask('Logic::ResponseFormatter', parameters), testTools)).toThrow(
        TaskParameterError,
      );
    }
  });

  it('is terminal', () => {
    expect(ResponseFormatter.hooks).toEqual([]);
  });
});
