import type { JsonValue } from '../model/records.js';
import type { TaskDefinition } from '../model/workflow-document.js';
import type { CompiledJsonata, CompiledLiquid } from '../template/template-engine.js';
import {
  boolParam,
  compileLiquidParam,
  failure,
  guardTemplates,
  isTemplateError,
  numberParam,
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

/** A Response Formatter's compiled template and the answer's status. */
export interface ResponseFormatterPrepared {
  template: { processor: 'Liquid'; compiled: CompiledLiquid } | { processor: 'JSONata'; compiled: CompiledJsonata };
  code: number;
  runResult: 'Success' | 'Error';
}

function prepare(task: TaskDefinition, tools: PrepareTools): ResponseFormatterPrepared {
  const p = task.parameters;
  const processor = stringParam(p['processor'], 'processor').trim().toLowerCase() || 'liquid';
  const source = stringParam(p['template'], 'template', true);
  let template: ResponseFormatterPrepared['template'];
  if (processor === 'liquid') {
    template = {
      processor: 'Liquid',
      compiled: compileLiquidParam(tools, 'template', source, boolParam(p['strict_variables'], true)),
    };
  } else if (processor === 'jsonata') {
    try {
      template = { processor: 'JSONata', compiled: tools.jsonata(source) };
    } catch (err) {
      if (isTemplateError(err)) throw new TaskParameterError('template', `template: ${err.message}`);
      throw err;
    }
  } else {
    throw new TaskParameterError('processor', `processor must be Liquid or JSONata (got "${processor}").`);
  }

  const status = stringParam(p['parent_workflow_status'], 'parent_workflow_status').trim().toLowerCase() || 'success';
  if (status !== 'success' && status !== 'error') {
    throw new TaskParameterError('parent_workflow_status', 'parent_workflow_status must be Success or Error.');
  }
  return {
    template,
    code: numberParam(p['code'], 'code', { min: 100, max: 599, fallback: 200 }),
    runResult: status === 'success' ? 'Success' : 'Error',
  };
}

async function execute(ctx: TaskContext<ResponseFormatterPrepared>): Promise<TaskOutcome> {
  const { template, code, runResult } = ctx.prepared;
  return guardTemplates(ctx.data, async () => {
    let body: JsonValue;
    if (template.processor === 'Liquid') {
      const text = await renderParam(template.compiled, ctx.scope, 'template');
      try {
        body = JSON.parse(text) as JsonValue;
      } catch {
        return failure(
          'WorkflowError::ResponseFormatter',
          'The response is not a valid JSON',
          ctx.data,
          text.slice(0, 1000),
        );
      }
    } else {
      body = await template.compiled.evaluate(ctx.data);
    }
    ctx.data['ResponseFormatter'] = body;
    return { kind: 'success', data: ctx.data, response: { code, body, runResult } };
  });
}

/**
 * `Logic::ResponseFormatter`: the terminal task of a responsive workflow. Its template (Liquid
 * rendering JSON, or JSONata over `Data`) becomes the `/sync` answer with status `code`, and is kept
 * in `Data.ResponseFormatter`; `parent_workflow_status` sets the run's result.
 */
export const ResponseFormatter: TaskType<ResponseFormatterPrepared> = {
  actionType: 'Logic::ResponseFormatter',
  hooks: [],
  isResponsive: true,
  hasSideEffects: false,
  prepare,
  execute,
};
