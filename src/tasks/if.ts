import type { TaskDefinition } from '../model/workflow-document.js';
import type { CompiledLiquid } from '../template/template-engine.js';
import { boolParam, compileLiquidParam, failure, guardTemplates, renderParam, stringParam } from './task-helpers.js';
import type { PrepareTools, TaskContext, TaskOutcome, TaskType } from './task-type.js';

/** An If task's compiled `if_clause`. */
export interface IfPrepared {
  clause: CompiledLiquid;
}

function prepare(task: TaskDefinition, tools: PrepareTools): IfPrepared {
  const p = task.parameters;
  const source = stringParam(p['if_clause'], 'if_clause', true);
  return { clause: compileLiquidParam(tools, 'if_clause', source, boolParam(p['strict_variables'], true)) };
}

async function execute(ctx: TaskContext<IfPrepared>): Promise<TaskOutcome> {
  return guardTemplates(ctx.data, async () => {
    const rendered = (await renderParam(ctx.prepared.clause, ctx.scope, 'if_clause')).trim();
    // The reference's docs ask for capitalised True/False, but its runtime accepts any case.
    const answer = rendered.toLowerCase();
    if (answer === 'true') return { kind: 'success', hook: 'True', data: ctx.data };
    if (answer === 'false') return { kind: 'success', hook: 'False', data: ctx.data };
    const shown = rendered.length > 200 ? `${rendered.slice(0, 200)}…` : rendered;
    return failure('WorkflowError::If', `If clause rendered "${shown}"; it must render True or False.`, ctx.data);
  });
}

/** `If`: `if_clause` (Liquid) renders True or False and fires that hook; `Data` is unchanged. */
export const If: TaskType<IfPrepared> = {
  actionType: 'If',
  hooks: ['True', 'False'],
  isResponsive: true,
  hasSideEffects: false,
  prepare,
  execute,
};
