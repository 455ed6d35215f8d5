import { describe, expect, it } from 'vitest';
import { Case } from './case.js';
import { TaskParameterError } from './task-type.js';
import { makeContext, makeTask, testTools } from './test-context.js';

async function hookFor(parameters: Record<string, unknown>, data: Record<string, string>): Promise<unknown> {
  const outcome = await Case.execute(makeContext(Case, parameters, { data: { Account: data } }).ctx);
  return outcome.kind === 'success' ? outcome.hook : outcome;
}

describe('Logic::Case', () => {
  const currency = {
    case_clause: '{{ Data.Account.Currency }}',
    case_condition: { Case_2: 'EUR|GBP', Case_1: 'USD', Case_10: '[A-Z]{3}' },
  };

  it('fires the first matching case by number, whole value only, else Case_Else', async () => {
    expect(await hookFor(currency, { Currency: 'USD' })).toBe('Case_1');
    expect(await hookFor(currency, { Currency: 'GBP' })).toBe('Case_2');
    // Anchored: "USDX" is not "USD"; it is three letters plus one, so not Case_10 either.
    expect(await hookFor(currency, { Currency: 'USDX' })).toBe('Case_Else');
    expect(await hookFor(currency, { Currency: 'JPY' })).toBe('Case_10');
    expect(await hookFor(currency, { Currency: 'usd' })).toBe('Case_Else');
  });

  it('trims the rendered value and leaves Data unchanged', async () => {
    const parameters = { case_clause: '\n  {{ Data.Account.Currency }}\n', case_condition: { Case_1: 'USD' } };
    const outcome = await Case.execute(makeContext(Case, parameters, { data: { Account: { Currency: 'USD' } } }).ctx);
    expect(outcome).toEqual({ kind: 'success', hook: 'Case_1', data: { Account: { Currency: 'USD' } } });
  });

  it('compares exact strings with disable_regex', async () => {
    const exact = {
      case_clause: '{{ Data.Account.Plan }}',
      case_condition: { Case_1: 'a.c', Case_2: 'abc' },
      disable_regex: 'true',
    };
    expect(await hookFor(exact, { Plan: 'abc' })).toBe('Case_2');
    expect(await hookFor(exact, { Plan: 'a.c' })).toBe('Case_1');
    expect(await hookFor({ ...exact, disable_regex: 'false' }, { Plan: 'abc' })).toBe('Case_1');
  });

  it('reports a missing variable as a Liquid error', async () => {
    expect(await hookFor({ case_clause: '{{ Data.Nope }}', case_condition: { Case_1: '' } }, {})).toMatchObject({
      kind: 'error',
      errorClass: 'WorkflowError::Liquid',
    });
  });

  it('matches a catastrophic pattern in linear time', async () => {
    const parameters = { case_clause: '{{ Data.Account.Value }}', case_condition: { Case_1: '(a+)+b' } };
    expect(await hookFor(parameters, { Value: 'ab' })).toBe('Case_1'); // loads RE2's tables, once per process
    const started = performance.now();
    // 25 characters: ~1 s in V8's backtracking RegExp, doubling per character; microseconds in RE2.
    expect(await hookFor(parameters, { Value: 'a'.repeat(25) })).toBe('Case_Else');
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('rejects unusable parameters at prepare, naming them', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ case_condition: { Case_1: 'a' } }, 'case_clause'],
      [{ case_clause: 'x', case_condition: { Case_1: '(' } }, 'case_condition.Case_1'],
      [{ case_clause: 'x', case_condition: { Case_1: '(a)\\1' } }, 'case_condition.Case_1'],
      [{ case_clause: 'x', case_condition: { Case_2: 'a(?!b)' } }, 'case_condition.Case_2'],
      [{ case_clause: 'x', case_condition: { Case_51: 'a' } }, 'case_condition.Case_51'],
      [{ case_clause: 'x', case_condition: { Other: 'a' } }, 'case_condition.Other'],
      [{ case_clause: 'x', case_condition: { Case_0: 'a' } }, 'case_condition.Case_0'],
      [{ case_clause: 'x', case_condition: ['a'] }, 'case_condition'],
    ];
    for (const [parameters, name] of bad) {
      let thrown: unknown;
      try {
        Case.prepare(makeTask('Logic::Case', parameters), testTools);
      } catch (err) {
        thrown = err;
      }
      expect(thrown, JSON.stringify(parameters)).toBeInstanceOf(TaskParameterError);
      expect((thrown as TaskParameterError).parameter).toBe(name);
    }
  });
});
