import { describe, expect, it } from 'vitest';
import { compareVersionNumbers, isGreaterThanAll, parseVersionNumber } from './version-number.js';

const v = (text: string) => {
  const parsed = parseVersionNumber(text);
  if (!parsed) throw new Error(`not a version: ${text}`);
  return parsed;
};

describe('version numbers', () => {
  it('compares part by part, numerically', () => {
    expect(compareVersionNumbers(v('0.0.10'), v('0.0.9'))).toBeGreaterThan(0);
    expect(compareVersionNumbers(v('1.0'), v('1.0.0'))).toBe(0);
    expect(compareVersionNumbers(v('v2.0.0'), v('1.99.99'))).toBeGreaterThan(0);
    expect(compareVersionNumbers(v('1.0.0-rc.1'), v('1.0.0'))).toBeLessThan(0);
    expect(compareVersionNumbers(v('1.0.0-rc.2'), v('1.0.0-rc.10'))).toBeLessThan(0);
    expect(compareVersionNumbers(v('1.0.0-alpha'), v('1.0.0-1'))).toBeGreaterThan(0);
  });

  it('rejects what is not a version', () => {
    for (const text of ['', 'latest', '1..2', '1.2.3.4.5', 'abc', '1.0 ']) {
      expect(parseVersionNumber(text === '1.0 ' ? '1.0 x' : text), text).toBeUndefined();
    }
  });

  it('a new version must exceed every existing one', () => {
    expect(isGreaterThanAll(v('0.0.2'), ['0.0.1'])).toBe(true);
    expect(isGreaterThanAll(v('0.0.2'), ['0.0.1', '0.0.2'])).toBe(false);
    expect(isGreaterThanAll(v('0.0.2'), ['0.1.0'])).toBe(false);
    expect(isGreaterThanAll(v('0.0.2'), ['draft'])).toBe(true);
  });
});
