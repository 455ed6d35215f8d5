import { Approval } from './approval.js';
import { Callout } from './callout.js';
import { Case } from './case.js';
import { Delay } from './delay.js';
import { Email } from './email.js';
import { ExecuteWorkflow } from './execute-workflow.js';
import { If } from './if.js';
import { Iterate } from './iterate.js';
import { JavaScript } from './javascript.js';
import { JsonTransform } from './json-transform.js';
import { Liquid } from './liquid.js';
import { Merge } from './merge.js';
import { ResponseFormatter } from './response-formatter.js';
import type { TaskType } from './task-type.js';

/** Every task type Weir runs. Adding one is its file plus one line here. */
const ALL: readonly TaskType[] = [
  Callout,
  If,
  Liquid,
  ResponseFormatter,
  Delay,
  Iterate,
  Merge,
  Approval,
  ExecuteWorkflow,
  Case,
  JsonTransform,
  JavaScript,
  Email,
];

/** Task types by the reference's `action_type`. */
export const TASK_TYPES: ReadonlyMap<string, TaskType> = new Map(ALL.map((t) => [t.actionType, t]));

/** The task type for an `action_type`, or undefined when Weir does not run it (the import is then rejected). */
export function taskTypeOf(actionType: string): TaskType | undefined {
  return TASK_TYPES.get(actionType);
}
