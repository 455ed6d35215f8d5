import { describe, it, expect } from 'vitest';
import { compileLiquid } from './liquid.js';
import { TemplateError, type TemplateScope } from './template-engine.js';

const strict = { strictVariables: true };
const lenient = { strictVariables: false };

const scope: TemplateScope = {
  Data: { Account: { Name: 'Acme', Balance: 12.5 }, Items: [1, 2, 3], Tags: ['a', 'b'] },
  WorkflowInstance: { Id: 7 },
};

async function rejection(promise: Promise<unknown>): Promise<TemplateError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TemplateError);
  return error as TemplateError;
}

function compileError(source: string, strictVariables = true): TemplateError {
  try {
    compileLiquid(source, { strictVariables });
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    return error as TemplateError;
  }
  throw new Error('expected a compile error');
}

describe('compileLiquid render', () => {
  it('renders scope variables and standard Shopify filters', async () => {
    const template = compileLiquid(
      '{{ Data.Account.Name | upcase }} owes {{ Data.Account.Balance | times: 2 }} on run {{ WorkflowInstance.Id }}; {{ Data.Items | join: "," }} ({{ Data.Items.size }}, {{ Data.Tags.first }})',
      strict,
    );
    expect(await template.render(scope)).toBe('ACME owes 25 on run 7; 1,2,3 (3, a)');
  });

  it('renders the same compiled template many times with different scopes', async () => {
    const template = compileLiquid('Hello {{ Data.name }}', strict);
    const outputs = await Promise.all(['a', 'b', 'c'].map((name) => template.render({ Data: { name } })));
    expect(outputs).toEqual(['Hello a', 'Hello b', 'Hello c']);
  });

  it('throws TemplateError for an undefined variable in strict mode', async () => {
    const error = await rejection(compileLiquid('x {{ Data.Foo }}', strict).render(scope));
    expect(error.templateKind).toBe('Liquid');
    expect(error.message).toBe('undefined variable: Data.Foo, line:1, col:6');
  });

  it('renders undefined variables as empty when not strict', async () => {
    expect(await compileLiquid('[{{ Data.Foo }}][{{ Nope.bar }}]', lenient).render(scope)).toBe('[][]');
  });

  it('hides prototype properties such as constructor', async () => {
    expect(await compileLiquid('[{{ Data.constructor }}][{{ Data.Items.constructor }}]', lenient).render(scope)).toBe(
      '[][]',
    );
    const error = await rejection(compileLiquid('{{ Data.constructor }}', strict).render(scope));
    expect(error.message).toBe('undefined variable: Data.constructor, line:1, col:4');
  });

  it('throws TemplateError at compile time for syntax errors and unknown filters', () => {
    expect(compileError('{% if %}').message).toBe('invalid value expression: "", line:1, col:6');
    expect(compileError('{{ Data.x | no_such_filter }}').message).toBe(
      'undefined filter: no_such_filter, line:1, col:1',
    );
    expect(compileError('{% for x in Data.Items %}').message).toBe(
      'tag {% for x in Data.Items %} not closed, line:1, col:1',
    );
  });

  it('rejects tags that load templates from files', () => {
    for (const tag of ['include', 'render', 'layout']) {
      expect(compileError(`{% ${tag} "secrets" %}`).message).toBe(
        `the ${tag} tag is not supported: templates cannot load other templates, line:1, col:1`,
      );
    }
  });

  it('rejects an over-long source', () => {
    expect(() => compileLiquid('abcdef', strict, { renderMs: 1000, memoryUnits: 1000, sourceChars: 5 })).toThrowError(
      new TemplateError('template longer than 5 characters', 'Liquid'),
    );
  });

  it('turns filter failures into TemplateError', async () => {
    const error = await rejection(compileLiquid('{{ "{bad" | parse_json }}', strict).render(scope));
    expect(error.message).toMatch(/^parse_json: invalid JSON \(.+\), line:1, col:1$/);
  });

  it('does not let {% increment %} change the caller scope', async () => {
    const mine: TemplateScope = { Data: { n: 1 } };
    expect(await compileLiquid('{% increment Data %}{% increment Data %}', lenient).render(mine)).toBe('01');
    expect(mine).toEqual({ Data: { n: 1 } });
  });

  it('renders dates in UTC regardless of the host zone', async () => {
    expect(await compileLiquid('{{ "2026-03-08T01:02:03Z" | date: "%Y-%m-%d %H:%M %z" }}', strict).render(scope)).toBe(
      '2026-03-08 01:02 +0000',
    );
  });
});

describe('compileLiquid limits', () => {
  it('stops a huge range loop with a TemplateError instead of hanging', async () => {
    const template = compileLiquid('{% for i in (1..100000000) %}{{ i }}{% endfor %}', strict);
    const started = Date.now();
    const error = await rejection(template.render(scope));
    expect(error.message).toBe('the Liquid template used too much memory (limit 20000000 units)');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('stops a long-running render at the time limit', async () => {
    const template = compileLiquid(
      '{% for i in (1..10000) %}{% for j in (1..10000) %}{% endfor %}{% endfor %}',
      strict,
      // A memory budget it never reaches (10⁸ steps): the clock is what stops it.
      { renderMs: 200, memoryUnits: 1_000_000_000, sourceChars: 1000 },
    );
    const started = Date.now();
    const error = await rejection(template.render(scope));
    expect(error.message).toBe('the Liquid template ran out of time (limit 0.2 s)');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('compileLiquid renderCapturingAssigns', () => {
  it('returns every top-level assign and capture, including _private ones', async () => {
    const template = compileLiquid(
      [
        '{% assign total = Data.Items | sum %}',
        '{% assign _private = "hidden" %}',
        '{% capture greeting %}Hi {{ Data.Account.Name }}{% endcapture %}',
        '{% for i in Data.Items %}{% assign last = i %}{% endfor %}',
        '{% if true %}{% assign nested = Data.Account %}{% endif %}',
        'out',
      ].join(''),
      strict,
    );
    const result = await template.renderCapturingAssigns(scope);
    expect(result).toEqual({
      output: 'out',
      assigns: {
        total: 6,
        _private: 'hidden',
        greeting: 'Hi Acme',
        last: 3,
        nested: { Name: 'Acme', Balance: 12.5 },
      },
    });
  });

  it('returns plain JSON: undefined and drops become null, values are copies', async () => {
    const template = compileLiquid(
      '{% assign missing = Data.nothing %}{% assign blank_value = empty %}{% assign range = (1..3) %}{% assign account = Data.Account %}',
      lenient,
    );
    const { output, assigns } = await template.renderCapturingAssigns(scope);
    expect(output).toBe('');
    expect(assigns).toEqual({
      missing: null,
      blank_value: null,
      range: [1, 2, 3],
      account: { Name: 'Acme', Balance: 12.5 },
    });
    expect(assigns['account']).not.toBe(scope.Data['Account']);
  });

  it('rejects with TemplateError when the render fails', async () => {
    const error = await rejection(compileLiquid('{% assign x = Data.Nope %}', strict).renderCapturingAssigns(scope));
    expect(error.message).toBe('undefined variable: Data.Nope, line:1, col:15');
  });
});
