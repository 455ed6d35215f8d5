import { Callout } from './callout.js';
import { Delay } from './delay.js';
import { If } from './if.js';
import { Liquid } from './liquid.js';
import { ResponseFormatter } from './response-formatter.js';
import type { TaskType } from './task-type.js';

/** Every task type Weir runs. Adding one is its file plus one line here. */
const ALL: readonly TaskType[] = [Callout, If, Liquid, ResponseFormatter, Delay];

/** Task types by the reference's `action_type`. */
export const TASK_TYPES: ReadonlyMap<string, TaskType> = new Map(ALL.map((t) => [t.actionType, t]));

/** The task type for an `action_type`, or undefined when Weir does not run it (the import is then rejected). */
export function taskTypeOf(actionType: string): TaskType | undefined {
  return TASK_TYPES.get(actionType);
}
