import type { JsonObject } from '../model/records.js';
import type { TaskDefinition } from '../model/workflow-document.js';
import { TemplateError, type CompiledLiquid } from '../template/template-engine.js';
import {
  boolParam,
  compileLiquidParam,
  guardTemplates,
  isTemplateError,
  placementParam,
  stringParam,
} from './task-helpers.js';
import type { PrepareTools, TaskContext, TaskOutcome, TaskType } from './task-type.js';

/** A Logic::Liquid task's compiled `code` and where its variables go. */
export interface LiquidPrepared {
  code: CompiledLiquid;
  placement: string;
}

function prepare(task: TaskDefinition, tools: PrepareTools): LiquidPrepared {
  const p = task.parameters;
  const source = stringParam(p['code'], 'code', true);
  return {
    code: compileLiquidParam(tools, 'code', source, boolParam(p['strict_variables'], true)),
    placement: placementParam(p['placement'], 'placement', 'Liquid'),
  };
}

async function execute(ctx: TaskContext<LiquidPrepared>): Promise<TaskOutcome> {
  const { code, placement } = ctx.prepared;
  return guardTemplates(ctx.data, async () => {
    let assigns;
    try {
      ({ assigns } = await code.renderCapturingAssigns(ctx.scope));
    } catch (err) {
      if (isTemplateError(err)) throw new TemplateError(`code: ${err.message}`, err.templateKind);
      throw err;
    }
    // Names starting with `_` are the reference's convention for scratch variables: not kept.
    const kept = Object.entries(assigns).filter(([name]) => !name.startsWith('_'));
    if (kept.length === 0) return { kind: 'success', data: ctx.data };
    const existing = ctx.data[placement];
    const target: JsonObject =
      typeof existing === 'object' && existing !== null && !Array.isArray(existing) ? { ...existing } : {};
    for (const [name, value] of kept) target[name] = value;
    ctx.data[placement] = target;
    return { kind: 'success', data: ctx.data };
  });
}

/**
 * `Logic::Liquid`: runs `code`; every top-level `assign`/`capture` not starting with `_` is merged
 * into `Data[placement]` (default `Liquid`). The rendered text itself is discarded.
 */
export const Liquid: TaskType<LiquidPrepared> = {
  actionType: 'Logic::Liquid',
  hooks: ['Success'],
  isResponsive: true,
  hasSideEffects: false,
  prepare,
  execute,
};
