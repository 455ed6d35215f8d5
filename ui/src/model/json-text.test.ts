import { describe, expect, it } from 'vitest';
import { describeSyntaxError, lineAndColumn, readJsonObject } from './json-text';

describe('readJsonObject', () => {
  it('reads an object', () => {
    expect(readJsonObject(' {"a": [1, {"b": null}]} ')).toEqual({ ok: true, value: { a: [1, { b: null }] } });
  });

  it('says where the JSON breaks, by line and column', () => {
    const text = '{\n  "a": 1\n  "b": 2\n}';
    const read = readJsonObject(text);
    expect(read).toEqual({ ok: false, problem: "Line 3, column 3: Expected ',' or '}' after property value." });
  });

  it('refuses what is not an object, and empty text, in a sentence', () => {
    expect(readJsonObject('[1]')).toEqual({ ok: false, problem: 'Data must be a JSON object ({…}), not an array.' });
    expect(readJsonObject('"x"')).toEqual({ ok: false, problem: 'Data must be a JSON object ({…}), not a string.' });
    expect(readJsonObject('null')).toEqual({ ok: false, problem: 'Data must be a JSON object ({…}), not null.' });
    expect(readJsonObject('  ')).toEqual({ ok: false, problem: 'Data is empty: write a JSON object, e.g. {}.' });
  });

  it('keeps the reason without echoing the text when there is no position', () => {
    const problem = describeSyntaxError(
      '{"a":}',
      new SyntaxError('Unexpected token \'}\', "{"a":}" is not valid JSON'),
    );
    expect(problem).toBe("Not valid JSON: Unexpected token '}'.");
  });

  it('counts lines and columns from 1', () => {
    expect(lineAndColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineAndColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});
