import type { TaskContext, TaskOutcome, TaskType } from './task-type.js';

/**
 * `Logic::Merge`: joins parallel branches. Every branch that reaches it adds its `Data`, deep-merged,
 * to one waiting task instance; the engine runs it once nothing else in its scope (the run, or the
 * For Each branch it is in) is still going. It then hands the merged `Data` on.
 */
export const Merge: TaskType<null> = {
  actionType: 'Logic::Merge',
  hooks: ['Success'],
  isResponsive: true,
  hasSideEffects: false,
  prepare: () => null,
  execute: async (ctx: TaskContext<null>): Promise<TaskOutcome> => ({ kind: 'success', data: ctx.data }),
};
