import { describe, expect, it } from 'vitest';
import { TASK_TYPES } from '../src/tasks/registry.js';
import { TASK_LIBRARY } from '../ui/src/editor/task-library.js';

/** The editor's task library and the server's registry agree on what "Test this task" may send (issue 13). */
describe('the editor’s task library and the server’s task types', () => {
  it('warn before testing exactly the task types the server refuses to test unconfirmed', () => {
    const warned = TASK_LIBRARY.filter((spec) => spec.sendsOutside).map((spec) => spec.actionType);
    const serverSide = [...TASK_TYPES.values()].filter((t) => t.hasSideEffects !== false).map((t) => t.actionType);
    expect(warned.sort()).toEqual(serverSide.sort());
    expect(warned).toEqual(['Callout', 'Email', 'Execute::WorkflowTask']);
  });
});
