import { describe, expect, it } from 'vitest';
import { isSecretReference, maskTaskSecrets, SECRET_MASK } from './callout-secrets.js';

describe('callout secrets', () => {
  it('a reference to a global constant is not a secret, with or without a scheme word before it', () => {
    expect(isSecretReference('{{ GlobalConstants.ApiKey }}')).toBe(true);
    expect(isSecretReference('Bearer {{ GlobalConstants.Token }}')).toBe(true);
    expect(isSecretReference(' basic {{GlobalConstants.Pair}} ')).toBe(true);
    expect(isSecretReference('Bearer abc {{ GlobalConstants.Token }}')).toBe(false);
    expect(isSecretReference('s3cret{{ GlobalConstants.Token }}')).toBe(false);
    expect(isSecretReference('Bearer s3cret')).toBe(false);
  });

  it('masks literal secrets and shows references', () => {
    const task = {
      id: 1,
      name: 'Call',
      action_type: 'Callout',
      parameters: {
        url: 'https://example.com/',
        authorization: { type: 'bearer', token: '{{ GlobalConstants.Token }}' },
        headers: [
          { key: 'Authorization', value: 'Bearer {{ GlobalConstants.Token }}' },
          { key: 'X-Api-Key', value: 'k-123' },
          { key: 'X-Trace', value: 'plain' },
        ],
      },
    };
    expect(maskTaskSecrets(task).parameters).toEqual({
      url: 'https://example.com/',
      authorization: { type: 'bearer', token: '{{ GlobalConstants.Token }}' },
      headers: [
        { key: 'Authorization', value: 'Bearer {{ GlobalConstants.Token }}' },
        { key: 'X-Api-Key', value: SECRET_MASK },
        { key: 'X-Trace', value: 'plain' },
      ],
    });
  });
});
