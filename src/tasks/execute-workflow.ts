import type { JsonObject, JsonValue } from '../model/records.js';
import type { TaskDefinition } from '../model/workflow-document.js';
import type { CompiledLiquid } from '../template/template-engine.js';
import {
  boolParam,
  compileLiquidParam,
  failure,
  guardTemplates,
  numberParam,
  placementParam,
  renderParam,
  stringParam,
} from './task-helpers.js';
import {
  SubRunError,
  TaskParameterError,
  type PrepareTools,
  type SubRunSummary,
  type TaskContext,
  type TaskOutcome,
  type TaskType,
} from './task-type.js';

/** The reference's limit on what a called workflow may answer. */
const MAX_RESPONSE_BYTES = 10 * 1024;
const ERROR_CLASS = 'WorkflowError::ExecuteWorkflow';

export interface ExecuteWorkflowPrepared {
  workflowId: number;
  inputs: CompiledLiquid | null;
  wait: boolean;
  useLastTask: boolean;
  placement: string;
}

function prepare(task: TaskDefinition, tools: PrepareTools): ExecuteWorkflowPrepared {
  const p = task.parameters;
  const response = stringParam(p['response'], 'response') || 'Response Formatter';
  if (!['response formatter', 'last task'].includes(response.toLowerCase())) {
    throw new TaskParameterError('response', 'response must be "Response Formatter" or "Last Task".');
  }
  const inputs = stringParam(p['inputs'], 'inputs');
  return {
    workflowId: numberParam(p['workflow_id'], 'workflow_id', { min: 1, max: Number.MAX_SAFE_INTEGER, fallback: 0 }),
    inputs: inputs.trim() ? compileLiquidParam(tools, 'inputs', inputs, boolParam(p['strict_variables'], true)) : null,
    wait: boolParam(p['wait'], true),
    useLastTask: response.toLowerCase() === 'last task',
    placement: placementParam(p['placement'], 'placement', 'ExecuteWorkflow'),
  };
}

function metadata(run: SubRunSummary): JsonObject {
  return { id: run.id, name: run.name, originalWorkflowId: run.workflowId, status: run.status, result: run.result };
}

function answerOf(run: SubRunSummary, ctx: TaskContext<ExecuteWorkflowPrepared>): TaskOutcome {
  if (run.result === 'Error' && !run.formatterResponse) {
    return failure(
      ERROR_CLASS,
      `Workflow run ${run.name} ended with an error: ${run.errorMessage ?? run.errorClass ?? 'unknown'}.`,
      ctx.data,
    );
  }
  if (run.status === 'Stopped') return failure(ERROR_CLASS, `Workflow run ${run.name} was stopped.`, ctx.data);
  const preferred: JsonValue | undefined = ctx.prepared.useLastTask ? run.lastData : run.formatterResponse?.body;
  const answer = preferred ?? run.formatterResponse?.body ?? run.lastData ?? null;
  const bytes = Buffer.byteLength(JSON.stringify(answer));
  if (bytes > MAX_RESPONSE_BYTES) {
    return failure(
      ERROR_CLASS,
      `Workflow run ${run.name} answered ${bytes} bytes; at most 10 KB is allowed.`,
      ctx.data,
    );
  }
  return { kind: 'success', data: { ...ctx.data, [ctx.prepared.placement]: answer } };
}

async function execute(ctx: TaskContext<ExecuteWorkflowPrepared>): Promise<TaskOutcome> {
  const { workflowId, wait } = ctx.prepared;
  const waitingFor = ctx.state?.['runId'];
  if (typeof waitingFor === 'number') {
    const run = await ctx.workflows.get(waitingFor);
    if (!run) return failure(ERROR_CLASS, `Workflow run ${waitingFor} no longer exists.`, ctx.data);
    if (!run.isFinal)
      return { kind: 'wait', dueAt: null, waitingOn: 'sub_run', state: { runId: run.id }, isRetry: false };
    return answerOf(run, ctx);
  }
  if (workflowId === 0) return failure(ERROR_CLASS, 'workflow_id names no workflow.', ctx.data);
  return guardTemplates(ctx.data, async () => {
    let inputs: Record<string, unknown> = {};
    if (ctx.prepared.inputs) {
      const text = await renderParam(ctx.prepared.inputs, ctx.scope, 'inputs');
      try {
        const parsed: unknown = text.trim() ? JSON.parse(text) : {};
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        inputs = parsed as Record<string, unknown>;
      } catch {
        return failure(ERROR_CLASS, "inputs must render a JSON object of the called workflow's inputs.", ctx.data);
      }
    }
    let run: SubRunSummary;
    try {
      run = await ctx.workflows.start({ workflowId, inputs, wait });
    } catch (error) {
      if (error instanceof SubRunError) return failure(ERROR_CLASS, error.message, ctx.data);
      throw error;
    }
    ctx.log(`started ${run.name}`);
    if (!wait) return { kind: 'success', data: { ...ctx.data, [ctx.prepared.placement]: metadata(run) } };
    return { kind: 'wait', dueAt: null, waitingOn: 'sub_run', state: { runId: run.id }, isRetry: false };
  });
}

/**
 * `Execute::WorkflowTask`: runs another workflow (`workflow_id`, its active version) with `inputs`
 * (Liquid rendering a JSON object). With `wait` (default), it is `Pending` until that run ends and
 * then writes its answer — its response task's output (`response: "Response Formatter"`, default) or its
 * last task's `Data` (`"Last Task"`), at most 10 KB — to `Data[placement]` (default `ExecuteWorkflow`).
 * Without waiting it writes the run's metadata. Calls nest at most 10 deep.
 */
export const ExecuteWorkflow: TaskType<ExecuteWorkflowPrepared> = {
  actionType: 'Execute::WorkflowTask',
  hooks: ['Success'],
  isResponsive: true,
  prepare,
  execute,
};
