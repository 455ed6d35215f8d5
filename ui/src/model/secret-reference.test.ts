import { describe, expect, it } from 'vitest';
import { constantReference, isSecretHeaderName, readSecretValue, SECRET_MASK } from './secret-reference';

describe('readSecretValue', () => {
  it('tells a constant reference, the stored mask, a typed value and nothing apart', () => {
    expect(readSecretValue('{{ GlobalConstants.ApiToken }}')).toEqual({
      kind: 'constant',
      name: 'ApiToken',
      prefix: '',
    });
    expect(readSecretValue('Bearer {{GlobalConstants.Tok_2}}')).toEqual({
      kind: 'constant',
      name: 'Tok_2',
      prefix: 'Bearer',
    });
    expect(readSecretValue(SECRET_MASK)).toEqual({ kind: 'stored' });
    expect(readSecretValue('s3cret')).toEqual({ kind: 'typed' });
    expect(readSecretValue('Weird {{ GlobalConstants.X }}')).toEqual({ kind: 'typed' });
    expect(readSecretValue('{{ Data.token }}')).toEqual({ kind: 'other-reference', text: '{{ Data.token }}' });
    expect(readSecretValue('')).toEqual({ kind: 'empty' });
    expect(readSecretValue(undefined)).toEqual({ kind: 'empty' });
  });

  it('writes references the server counts as no secret', () => {
    expect(constantReference('ApiToken')).toBe('{{ GlobalConstants.ApiToken }}');
    expect(constantReference('ApiToken', 'Bearer')).toBe('Bearer {{ GlobalConstants.ApiToken }}');
    expect(readSecretValue(constantReference('K', 'Bearer'))).toMatchObject({ kind: 'constant', name: 'K' });
  });

  it('uses the server’s rule for header names that carry credentials', () => {
    expect(isSecretHeaderName('X-Api-Key')).toBe(true);
    expect(isSecretHeaderName('Authorization')).toBe(true);
    expect(isSecretHeaderName('Idempotency-Key')).toBe(false);
    expect(isSecretHeaderName('Content-Type')).toBe(false);
  });
});
