import { describe, expect, it } from 'vitest';
import { canRunTransition, canTaskTransition, isFinalRunStatus, isFinalTaskStatus, TaskStatus } from './statuses.js';

describe('task transitions', () => {
  it('final statuses have no way out', () => {
    for (const status of Object.values(TaskStatus)) {
      if (isFinalTaskStatus(status)) {
        for (const to of Object.values(TaskStatus)) expect(canTaskTransition(status, to)).toBe(false);
      }
    }
  });
  it('a claimed task can complete, fail, wait or be released', () => {
    expect(canTaskTransition('Processing', 'Success')).toBe(true);
    expect(canTaskTransition('Processing', 'Error')).toBe(true);
    expect(canTaskTransition('Processing', 'Pending')).toBe(true);
    expect(canTaskTransition('Processing', 'Queued')).toBe(true);
    expect(canTaskTransition('Queued', 'Success')).toBe(false);
  });
  it('runs end Finished or Stopped', () => {
    expect(isFinalRunStatus('Finished')).toBe(true);
    expect(canRunTransition('Finished', 'Processing')).toBe(false);
    expect(canRunTransition('Stopping', 'Stopped')).toBe(true);
    expect(canRunTransition('Stopping', 'Finished')).toBe(false);
  });
});
