import { describe, expect, it } from 'vitest';
import { digest, hashSecret, matchesDigest, SecretBox, verifySecret } from './secret-box.js';

describe('SecretBox', () => {
  const box = new SecretBox('a-secret-key-for-tests');

  it('round-trips and never stores the plain text', () => {
    const sealed = box.seal('api-token-value');
    expect(sealed).not.toContain('api-token-value');
    expect(box.open(sealed)).toBe('api-token-value');
    expect(box.seal('same')).not.toBe(box.seal('same'));
  });

  it('rejects a value sealed with another key or altered', () => {
    const sealed = box.seal('x');
    expect(() => new SecretBox('another-secret-key-000').open(sealed)).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('y').toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
  });

  it('compares secrets by digest', () => {
    expect(matchesDigest('token', digest('token'))).toBe(true);
    expect(matchesDigest('token2', digest('token'))).toBe(false);
    expect(verifySecret('s3cret', hashSecret('s3cret'))).toBe(true);
    expect(verifySecret('s3cret!', hashSecret('s3cret'))).toBe(false);
    expect(verifySecret('x', 'garbage')).toBe(false);
  });
});
