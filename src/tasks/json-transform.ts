import type { JsonValue } from '../model/records.js';
import type { TaskDefinition } from '../model/workflow-document.js';
import type { CompiledJsonata, CompiledLiquid } from '../template/template-engine.js';
import {
  boolParam,
  compileLiquidParam,
  failure,
  guardTemplates,
  isTemplateError,
  placementParam,
  renderParam,
  stringParam,
} from './task-helpers.js';
import {
  TaskParameterError,
  type PrepareTools,
  type TaskContext,
  type TaskOutcome,
  type TaskType,
} from './task-type.js';

/** A JSONTransform task's compiled template and where its result goes. */
export interface JsonTransformPrepared {
  template: { processor: 'JSONata'; compiled: CompiledJsonata } | { processor: 'Liquid'; compiled: CompiledLiquid };
  placement: string;
}

function prepare(task: TaskDefinition, tools: PrepareTools): JsonTransformPrepared {
  const p = task.parameters;
  const processor = stringParam(p['processor'], 'processor').trim().toLowerCase() || 'jsonata';
  const source = stringParam(p['template'], 'template', true);
  const placement = placementParam(p['placement'], 'placement', 'JSONTransform');
  if (processor === 'liquid') {
    const compiled = compileLiquidParam(tools, 'template', source, boolParam(p['strict_variables'], true));
    return { template: { processor: 'Liquid', compiled }, placement };
  }
  if (processor !== 'jsonata') {
    // The reference also has XML and CSV processors; Weir runs JSONata and Liquid.
    throw new TaskParameterError('processor', `processor must be JSONata or Liquid (got "${processor}").`);
  }
  try {
    return { template: { processor: 'JSONata', compiled: tools.jsonata(source) }, placement };
  } catch (err) {
    if (isTemplateError(err)) throw new TaskParameterError('template', `template: ${err.message}`);
    throw err;
  }
}

async function execute(ctx: TaskContext<JsonTransformPrepared>): Promise<TaskOutcome> {
  const { template, placement } = ctx.prepared;
  return guardTemplates(ctx.data, async () => {
    let result: JsonValue;
    if (template.processor === 'JSONata') {
      // JSONata sees `Data` as its input: `Account.Name`, not `Data.Account.Name`.
      result = await template.compiled.evaluate(ctx.data);
    } else {
      const text = await renderParam(template.compiled, ctx.scope, 'template');
      try {
        result = JSON.parse(text) as JsonValue;
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        return failure(
          'WorkflowError::JSONTransform',
          `The Liquid template did not render valid JSON: ${reason}`,
          ctx.data,
          text.slice(0, 1000),
        );
      }
    }
    ctx.data[placement] = result;
    return { kind: 'success', data: ctx.data };
  });
}

/**
 * `Logic::JSONTransform`: evaluates `template` with `processor` JSONata (default; its input is
 * `Data`) or Liquid (the rendered text must be JSON), and writes the result to `Data[placement]`
 * (default `JSONTransform`).
 */
export const JsonTransform: TaskType<JsonTransformPrepared> = {
  actionType: 'Logic::JSONTransform',
  hooks: ['Success'],
  isResponsive: true,
  hasSideEffects: false,
  prepare,
  execute,
};
