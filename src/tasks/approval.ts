import type { JsonObject } from '../model/records.js';
import type { TaskDefinition } from '../model/workflow-document.js';
import { failure, numberParam } from './task-helpers.js';
import type { TaskContext, TaskOutcome, TaskType } from './task-type.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface ApprovalPrepared {
  expiresInDays: number;
}

function prepare(task: TaskDefinition): ApprovalPrepared {
  return {
    expiresInDays: numberParam(task.parameters['expires_in_days'], 'expires_in_days', {
      min: 0.0001,
      max: 3650,
      fallback: 90,
      decimal: true,
    }),
  };
}

async function execute(ctx: TaskContext<ApprovalPrepared>): Promise<TaskOutcome> {
  const state = ctx.state ?? {};
  const decision = state['decision'] as JsonObject | undefined;
  if (decision && (decision['action'] === 'Approve' || decision['action'] === 'Reject')) {
    const data = { ...ctx.data, Approval: { action: decision['action'], comment: decision['comment'] ?? '' } };
    return { kind: 'success', hook: decision['action'], data };
  }
  const expiresAt =
    typeof state['expiresAt'] === 'number' ? state['expiresAt'] : ctx.now() + ctx.prepared.expiresInDays * DAY_MS;
  if (ctx.now() >= expiresAt) {
    return failure(
      'WorkflowError::Approval',
      `Nobody approved or rejected within ${ctx.prepared.expiresInDays} days.`,
      ctx.data,
    );
  }
  return { kind: 'wait', dueAt: expiresAt, waitingOn: 'approval', state: { expiresAt }, isRetry: false };
}

/**
 * `Approval`: `Pending` until someone calls `POST /workflows/tasks/{id}/approve` or `/reject`
 * (body `{"comment": "..."}`), which fires the `Approve` or `Reject` hook with
 * `Data.Approval = {action, comment}`; a task error once `expires_in_days` (default 90) have passed.
 */
export const Approval: TaskType<ApprovalPrepared> = {
  actionType: 'Approval',
  hooks: ['Approve', 'Reject'],
  isResponsive: false,
  // An attempt only waits for, or reads, a decision recorded in Weir.
  hasSideEffects: false,
  prepare,
  execute,
};
