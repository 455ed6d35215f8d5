import { describe, expect, it } from 'vitest';
import { TASK_TYPES, taskTypeOf } from './registry.js';

describe('task registry', () => {
  it('knows the five task types by action_type', () => {
    expect([...TASK_TYPES.keys()].sort()).toEqual([
      'Callout',
      'Delay',
      'If',
      'Logic::Liquid',
      'Logic::ResponseFormatter',
    ]);
    expect(taskTypeOf('If')?.hooks).toEqual(['True', 'False']);
    expect(taskTypeOf('Approval')).toBeUndefined();
  });
});
