import type { TaskDefinition } from '../model/workflow-document.js';
import type { CompiledLiquid } from '../template/template-engine.js';
import { boolParam, compileLiquidParam, failure, guardTemplates, renderParam, stringParam } from './task-helpers.js';
import type { PrepareTools, TaskContext, TaskOutcome, TaskType } from './task-type.js';

/** The reference's limit on how far ahead a delay may reach. */
export const MAX_DELAY_MS = 30 * 24 * 60 * 60 * 1000;

const SECONDS = /^\d+(\.\d+)?$/;

/** A Delay task's compiled `delay_time`. */
export interface DelayPrepared {
  delayTime: CompiledLiquid;
}

function prepare(task: TaskDefinition, tools: PrepareTools): DelayPrepared {
  const p = task.parameters;
  const source = stringParam(p['delay_time'], 'delay_time', true);
  return { delayTime: compileLiquidParam(tools, 'delay_time', source, boolParam(p['strict_variables'], true)) };
}

async function execute(ctx: TaskContext<DelayPrepared>): Promise<TaskOutcome> {
  const now = ctx.now();
  const kept = ctx.state?.['delayUntil'];
  if (typeof kept === 'number') {
    if (kept <= now) return { kind: 'success', data: ctx.data };
    // Woken early (e.g. a recovery sweep): keep waiting for the time fixed on the first attempt.
    return { kind: 'wait', isRetry: false, dueAt: kept, state: { delayUntil: kept } };
  }
  return guardTemplates(ctx.data, async () => {
    const rendered = (await renderParam(ctx.prepared.delayTime, ctx.scope, 'delay_time')).trim();
    let dueAt: number;
    if (/^-\d/.test(rendered)) {
      // Checked first: Date.parse would read "-5" as the year -5, a "past" time, i.e. no delay.
      return failure('WorkflowError::Delay', `Delay time "${rendered}" is negative.`, ctx.data);
    } else if (SECONDS.test(rendered)) {
      dueAt = now + Math.round(Number(rendered) * 1000);
    } else {
      // V8's Date.parse takes almost anything ("1 2" is 2 January 2001), so insist on a full year.
      const at = /\d{4}/.test(rendered) ? Date.parse(rendered) : NaN;
      if (Number.isNaN(at)) {
        return failure(
          'WorkflowError::Delay',
          `Delay time rendered "${rendered.slice(0, 200)}"; it must be a number of seconds or a timestamp.`,
          ctx.data,
        );
      }
      dueAt = Math.max(now, at); // a time already past means no delay
    }
    if (dueAt - now > MAX_DELAY_MS) {
      return failure('WorkflowError::Delay', `Delay time "${rendered}" is more than 30 days ahead.`, ctx.data);
    }
    ctx.log(`delayed until ${new Date(dueAt).toISOString()}`);
    return { kind: 'wait', isRetry: false, dueAt, state: { delayUntil: dueAt } };
  });
}

/**
 * `Delay`: waits `delay_time` (Liquid: seconds, or a timestamp) of at most 30 days. The first attempt
 * returns a durable wait; the wake-up attempt succeeds with `Data` unchanged.
 */
export const Delay: TaskType<DelayPrepared> = {
  actionType: 'Delay',
  hooks: ['Success'],
  isResponsive: false,
  hasSideEffects: false,
  prepare,
  execute,
};
