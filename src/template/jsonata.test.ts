import { describe, it, expect } from 'vitest';
import type { JsonValue } from '../model/records.js';
import { compileJsonata } from './jsonata.js';
import { TemplateError } from './template-engine.js';

const data: JsonValue = {
  Account: { Name: 'Acme' },
  Invoices: [
    { Id: 'A', Amount: 5 },
    { Id: 'B', Amount: 20 },
    { Id: 'C', Amount: 30 },
  ],
};

async function rejection(promise: Promise<unknown>): Promise<TemplateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TemplateError);
  expect((error as TemplateError).templateKind).toBe('JSONata');
  return error as TemplateError;
}

describe('compileJsonata', () => {
  it('evaluates paths, predicates and functions', async () => {
    expect(await compileJsonata('Account.Name').evaluate(data)).toBe('Acme');
    expect(await compileJsonata('$sum(Invoices.Amount)').evaluate(data)).toBe(55);
    expect(await compileJsonata('Invoices[Amount > 10].Id').evaluate(data)).toEqual(['B', 'C']);
    expect(await compileJsonata('{ "total": $sum(Invoices.Amount), "ids": Invoices.Id }').evaluate(data)).toEqual({
      total: 55,
      ids: ['A', 'B', 'C'],
    });
  });

  it('returns plain arrays, without the sequence flag', async () => {
    const result = await compileJsonata('Invoices.Id').evaluate(data);
    expect(Array.isArray(result)).toBe(true);
    expect(Object.keys(result as object)).toEqual(['0', '1', '2']);
    expect(JSON.stringify(result)).toBe('["A","B","C"]');
  });

  it('returns copies, not the input objects', async () => {
    const result = await compileJsonata('Account').evaluate(data);
    expect(result).toEqual({ Name: 'Acme' });
    expect(result).not.toBe((data as { Account: JsonValue }).Account);
  });

  it('turns undefined (no match) into null, and functions into null', async () => {
    expect(await compileJsonata('Nothing.Here').evaluate(data)).toBeNull();
    expect(await compileJsonata('function($x) { $x }').evaluate(data)).toBeNull();
    expect(await compileJsonata('{ "f": $uppercase, "n": 1 }').evaluate(data)).toEqual({ f: null, n: 1 });
  });

  it('passes bindings as variables', async () => {
    const expression = compileJsonata('$Data.Account.Name & " / " & $Run');
    expect(await expression.evaluate(null, { Data: data, Run: 'r1' })).toBe('Acme / r1');
  });

  it('evaluates concurrently with independent inputs', async () => {
    const expression = compileJsonata('n * 2');
    expect(await Promise.all([1, 2, 3].map((n) => expression.evaluate({ n })))).toEqual([2, 4, 6]);
  });

  it('throws TemplateError on a syntax error', () => {
    expect(() => compileJsonata('Invoices[')).toThrowError(TemplateError);
    expect(() => compileJsonata('Account.')).toThrowError(
      new TemplateError('Unexpected end of expression (S0207, position 8)', 'JSONata'),
    );
    expect(() => compileJsonata('')).toThrowError(
      new TemplateError('Unexpected end of expression (S0207, position 0)', 'JSONata'),
    );
  });

  it('rejects with TemplateError on an evaluation error', async () => {
    const error = await rejection(compileJsonata('$error("boom")').evaluate(data));
    expect(error.message).toBe('boom (D3137, position 7)');
    const typeError = await rejection(compileJsonata('Account.Name + 1').evaluate(data));
    expect(typeError.message).toBe('The left side of the "+" operator must evaluate to a number (T2001, position 14)');
  });

  it('stops runaway recursion at the depth limit', async () => {
    const expression = compileJsonata('($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))');
    const error = await rejection(expression.evaluate(data));
    expect(error.message).toMatch(/^Stack overflow\..*\(D1011, position \d+\)$/);
  });

  it('allows moderate recursion below the depth limit', async () => {
    const expression = compileJsonata('($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(20))');
    expect(await expression.evaluate(data)).toBe(20);
  });

  it('stops an endless loop at the time limit', async () => {
    // Tail calls do not grow the depth, so only the clock can stop this one.
    const expression = compileJsonata('($loop := function($n) { $loop($n + 1) }; $loop(0))', {
      timeoutMs: 200,
      maxDepth: 500,
    });
    const started = Date.now();
    const error = await rejection(expression.evaluate(data));
    expect(error.message).toMatch(
      /^Evaluation timeout after 200 milliseconds\. Check for infinite loop \(D1012, position \d+\)$/,
    );
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('matches regexes in linear time, with $match, $replace and $contains', async () => {
    const input = { s: 'a'.repeat(25), inv: 'INV-00042 and INV-7' };
    await compileJsonata('$contains("ab", /(a+)+b/)').evaluate({}); // loads RE2's tables, once per process
    const started = performance.now();
    expect(await compileJsonata('$contains(s, /(a+)+b/)').evaluate(input)).toBe(false);
    expect(performance.now() - started).toBeLessThan(200);
    expect(await compileJsonata('$match(inv, /INV-([0-9]+)/).groups').evaluate(input)).toEqual(['00042', '7']);
    expect(await compileJsonata('$replace(inv, /inv-/i, "#")').evaluate(input)).toBe('#00042 and #7');
    expect(await compileJsonata('$split(inv, / and /)').evaluate(input)).toEqual(['INV-00042', 'INV-7']);
  });

  it('rejects a regex RE2 cannot run with a clear error', async () => {
    const error = await rejection(compileJsonata('$contains(s, /(a)\\1/)').evaluate({ s: 'aa' }));
    expect(error.message).toMatch(/backreferences and lookaround are not supported/);
  });
});
