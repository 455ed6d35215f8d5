import { describe, expect, it } from 'vitest';
import { TASK_TYPES, taskTypeOf } from './registry.js';

describe('task registry', () => {
  it('knows every task type of the contract by action_type', () => {
    expect([...TASK_TYPES.keys()].sort()).toEqual([
      'Approval',
      'Callout',
      'Delay',
      'Email',
      'Execute::WorkflowTask',
      'If',
      'Iterate',
      'Logic::Case',
      'Logic::JSONTransform',
      'Logic::Liquid',
      'Logic::Merge',
      'Logic::ResponseFormatter',
      'Script::JavaScript',
    ]);
    expect(taskTypeOf('If')?.hooks).toEqual(['True', 'False']);
    expect(taskTypeOf('Logic::Case')?.hooks).toHaveLength(51);
    expect(taskTypeOf('Logic::Case')?.hooks.slice(0, 2)).toEqual(['Case_1', 'Case_2']);
    expect(taskTypeOf('Logic::Case')?.hooks.slice(-2)).toEqual(['Case_50', 'Case_Else']);
    expect(taskTypeOf('Logic::XMLTransform')).toBeUndefined();
  });
});
