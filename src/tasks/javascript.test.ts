import { describe, expect, it } from 'vitest';
import { JavaScript } from './javascript.js';
import { makeContext, makeTask, testTools } from './test-context.js';

describe('Script::JavaScript', () => {
  it('writes what step returns to Data.JavaScript and logs the console', async () => {
    const code = `function step(input) { console.log('total of', input.Lines.length); return { total: input.Lines.reduce((a, b) => a + b, 0) }; }`;
    const { ctx, logs } = makeContext(JavaScript, { code }, { data: { Lines: [1, 2, 3] } });
    expect(await JavaScript.execute(ctx)).toEqual({
      kind: 'success',
      data: { Lines: [1, 2, 3], JavaScript: { total: 6 } },
    });
    expect(logs[0]).toBe('console.log: total of 3');
    expect(logs[1]).toMatch(/^step returned in \d+ ms$/);
  });

  it('uses placement', async () => {
    const { ctx } = makeContext(JavaScript, { code: 'export const step = () => [1];', placement: 'Out' });
    expect(await JavaScript.execute(ctx)).toEqual({ kind: 'success', data: { Out: [1] } });
  });

  it('turns a throw into WorkflowError::JavaScript with its message, keeping Data', async () => {
    const code = `function step(input) { console.error('about to fail'); throw new Error('No account ' + input.Id); }`;
    const { ctx, logs } = makeContext(JavaScript, { code }, { data: { Id: 'A-9' } });
    expect(await JavaScript.execute(ctx)).toEqual({
      kind: 'error',
      errorClass: 'WorkflowError::JavaScript',
      message: 'Error: No account A-9',
      details: 'Error: No account A-9\n    at step (step.js:1:62)',
      data: { Id: 'A-9' },
    });
    expect(logs[0]).toBe('console.error: about to fail');
    expect(logs[1]).toMatch(/^step failed after \d+ ms \(thrown\)$/);
  });

  it('stops at the task timeout', async () => {
    const { ctx } = makeContext(JavaScript, { code: 'function step() { for (;;) {} }', timeout: '0.2' });
    expect(await JavaScript.execute(ctx)).toMatchObject({
      kind: 'error',
      errorClass: 'WorkflowError::JavaScript',
      message: 'The code ran out of time (limit 0.2 s).',
    });
  });

  it('defaults the timeout to 20 s and caps it at 300 s', () => {
    expect(JavaScript.prepare(makeTask('Script::JavaScript', { code: 'x' }), testTools).timeoutMs).toBe(20_000);
    expect(JavaScript.prepare(makeTask('Script::JavaScript', { code: 'x', timeout: '300' }), testTools).timeoutMs).toBe(
      300_000,
    );
    expect(() => JavaScript.prepare(makeTask('Script::JavaScript', { code: 'x', timeout: '301' }), testTools)).toThrow(
      'timeout must be a number from 0.001 to 300.',
    );
    expect(() => JavaScript.prepare(makeTask('Script::JavaScript', {}), testTools)).toThrow('code is required.');
  });
});
