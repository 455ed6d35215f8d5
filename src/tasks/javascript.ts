import type { TaskDefinition } from '../model/workflow-document.js';
import { runUserCode } from '../sandbox/sandbox.js';
import { failure, numberParam, placementParam, stringParam } from './task-helpers.js';
import type { TaskContext, TaskOutcome, TaskType } from './task-type.js';

const ERROR_CLASS = 'WorkflowError::JavaScript';

/** The reference's default time limit for a JavaScript task, and its hard cap (~5 minutes). */
const DEFAULT_TIMEOUT_SECONDS = 20;
const MAX_TIMEOUT_SECONDS = 300;
/**
 * Heap limit of one execution. A step transforms one task's `Data` (at most 5 MiB as JSON, a few
 * times that as objects), so 64 MB is ample, and keeps many concurrent steps affordable.
 */
const MEMORY_MB = 64;

/** A JavaScript task's code, limits and placement. */
export interface JavaScriptPrepared {
  code: string;
  timeoutMs: number;
  placement: string;
}

function prepare(task: TaskDefinition): JavaScriptPrepared {
  const p = task.parameters;
  const seconds = numberParam(p['timeout'], 'timeout', {
    min: 0.001,
    max: MAX_TIMEOUT_SECONDS,
    fallback: DEFAULT_TIMEOUT_SECONDS,
    decimal: true,
  });
  return {
    code: stringParam(p['code'], 'code', true),
    timeoutMs: Math.round(seconds * 1000),
    placement: placementParam(p['placement'], 'placement', 'JavaScript'),
  };
}

async function execute(ctx: TaskContext<JavaScriptPrepared>): Promise<TaskOutcome> {
  const { code, timeoutMs, placement } = ctx.prepared;
  const started = performance.now();
  const result = await runUserCode(code, ctx.data, { timeoutMs, memoryMb: MEMORY_MB, signal: ctx.signal });
  for (const line of result.logs) ctx.log(`console.${line.level}: ${line.text}`);
  const ms = Math.round(performance.now() - started);
  if (!result.ok) {
    ctx.log(`step failed after ${ms} ms (${result.failure})`);
    return failure(ERROR_CLASS, result.message, ctx.data, result.details);
  }
  ctx.log(`step returned in ${ms} ms`);
  ctx.data[placement] = result.value;
  return { kind: 'success', data: ctx.data };
}

/**
 * `Script::JavaScript`: runs the user's `step(input)` in the sandbox (src/sandbox) with a copy of
 * `Data`, and writes the JSON value it returns to `Data[placement]` (default `JavaScript`). Console
 * output goes to the task instance's log; any failure is the task error `WorkflowError::JavaScript`.
 */
export const JavaScript: TaskType<JavaScriptPrepared> = {
  actionType: 'Script::JavaScript',
  hooks: ['Success'],
  isResponsive: true,
  hasSideEffects: false,
  prepare,
  execute,
};
