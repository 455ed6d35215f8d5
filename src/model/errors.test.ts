import { describe, expect, it } from 'vitest';
import { InvalidRequestError, NotFoundError } from './errors.js';

describe('WeirError', () => {
  it('captures no stack (an expected 4xx), and leaves the stacks of other errors whole', () => {
    const refused = new NotFoundError('Workflow 7 does not exist.');
    expect(refused.message).toBe('Workflow 7 does not exist.');
    expect(refused.stack ?? '').not.toMatch(/\n\s+at /);
    expect(new InvalidRequestError('Bad.', 'body.n').field).toBe('body.n');
    expect(new Error('a defect').stack).toMatch(/\n\s+at /);
  });
});
