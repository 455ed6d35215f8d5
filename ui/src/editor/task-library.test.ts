import { describe, expect, it } from 'vitest';
import { SECRET_AUTHORIZATION_FIELDS } from '../../../src/model/callout-secrets.js';
import { TASK_LIBRARY } from './task-library';

describe('the task library', () => {
  it('offers a secret field for every Callout credential the server masks, and for secret headers', () => {
    const callout = TASK_LIBRARY.find((spec) => spec.actionType === 'Callout');
    const secrets = callout?.parameters.filter((p) => p.kind === 'secret').map((p) => p.path.join('.'));
    expect(secrets?.sort()).toEqual(SECRET_AUTHORIZATION_FIELDS.map((field) => `authorization.${field}`).sort());
    expect(callout?.parameters.find((p) => p.path.join('.') === 'headers')?.hasSecretValues).toBe(true);
  });
});
