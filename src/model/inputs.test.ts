import { describe, expect, it } from 'vitest';
import { declareInputs, InputDeclarationError, readInputs } from './inputs.js';

const declarations = declareInputs([
  { object_name: 'Workflow', field_name: 'count', datatype: 'Integer', required: 'true' },
  { object_name: 'Workflow', field_name: 'rate', datatype: 'Decimal', default: '1.5' },
  { object_name: 'Account', field_name: 'Id', callout_id: 'accountId', datatype: 'Text' },
  { object_name: 'Workflow', field_name: 'flag', datatype: 'Boolean' },
  { object_name: 'Workflow', field_name: 'day', datatype: 'Date' },
  { object_name: 'Workflow', field_name: 'at', datatype: 'DateTime-Local' },
  { object_name: 'Workflow', field_name: 'doc', datatype: 'JSON' },
]);

describe('readInputs', () => {
  it('coerces each datatype and applies defaults', () => {
    const { inputs, problems } = readInputs(declarations, {
      count: '42',
      accountId: 'A-1',
      flag: 'TRUE',
      day: '2026-02-28',
      at: '2026-02-28T10:15:00',
      doc: '{"a":[1]}',
      ignored: 'x',
    });
    expect(problems).toEqual([]);
    expect(inputs).toEqual({
      Workflow: { count: 42, rate: 1.5, flag: true, day: '2026-02-28', at: '2026-02-28T10:15:00', doc: { a: [1] } },
      Account: { Id: 'A-1' },
    });
  });

  it('reports missing required inputs and values that do not coerce', () => {
    const { problems } = readInputs(declarations, { flag: 'maybe', day: '2026-02-30' });
    expect(problems.map((p) => (p.kind === 'missing' ? `missing ${p.declaration.requestName}` : p.field))).toEqual([
      'missing count',
      'flag',
      'day',
    ]);
    const bad = readInputs(declarations, { count: 'abc' }).problems[0];
    expect(bad).toEqual({ kind: 'invalid', field: 'count', title: `Parameter 'count' must be an Integer; got "abc".` });
  });

  it('rejects a default that does not fit its datatype', () => {
    expect(() => declareInputs([{ object_name: 'W', field_name: 'n', datatype: 'Integer', default: 'x' }])).toThrow(
      InputDeclarationError,
    );
  });
});
