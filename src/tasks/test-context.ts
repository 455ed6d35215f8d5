import jsonata from 'jsonata';
import { Context, Liquid } from 'liquidjs';
import type { JsonObject, JsonValue } from '../model/records.js';
import type { TaskDefinition } from '../model/workflow-document.js';
import {
  TemplateError,
  type CompiledJsonata,
  type CompiledLiquid,
  type TemplateScope,
} from '../template/template-engine.js';
import type { PrepareTools, TaskContext, TaskType } from './task-type.js';

/**
 * Test support for task types (not a test file itself). `testTools` is a minimal stand-in for
 * src/template built straight on liquidjs and jsonata, without the reference's extra filters, so the
 * task tests do not depend on that module's progress; swap in its compilers once it exists.
 */

function templateError(err: unknown, kind: 'Liquid' | 'JSONata'): TemplateError {
  return new TemplateError(err instanceof Error ? err.message : String(err), kind);
}

function liquid(source: string, options: { strictVariables: boolean }): CompiledLiquid {
  const engine = new Liquid({ strictVariables: options.strictVariables, ownPropertyOnly: true });
  let tpl;
  try {
    tpl = engine.parse(source);
  } catch (err) {
    throw templateError(err, 'Liquid');
  }
  return {
    async render(scope: TemplateScope): Promise<string> {
      try {
        return String(await engine.render(tpl, scope));
      } catch (err) {
        throw templateError(err, 'Liquid');
      }
    },
    async renderCapturingAssigns(scope: TemplateScope) {
      // assign/capture write to the context's bottom scope, which we can read back afterwards.
      const ctx = new Context(scope, engine.options, {}, { liquid: engine });
      try {
        const output = String(await engine.render(tpl, ctx));
        return { output, assigns: JSON.parse(JSON.stringify(ctx.bottom())) as Record<string, JsonValue> };
      } catch (err) {
        throw templateError(err, 'Liquid');
      }
    },
  };
}

function compileJsonata(expression: string): CompiledJsonata {
  let expr: ReturnType<typeof jsonata>;
  try {
    expr = jsonata(expression);
  } catch (err) {
    throw templateError(err, 'JSONata');
  }
  return {
    async evaluate(input: JsonValue, bindings?: Record<string, JsonValue>): Promise<JsonValue> {
      try {
        const out: unknown = await expr.evaluate(input, bindings);
        return out === undefined ? null : (JSON.parse(JSON.stringify(out)) as JsonValue);
      } catch (err) {
        throw templateError(err, 'JSONata');
      }
    },
  };
}

function deepFreeze<T extends JsonValue>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Template compilers for `prepare` in tests. */
export const testTools: PrepareTools = { liquid, jsonata: compileJsonata };

/** A task definition as a workflow file would hold it. */
export function makeTask(actionType: string, parameters: Record<string, unknown>): TaskDefinition {
  return { id: 1, name: `${actionType} task`, action_type: actionType, parameters };
}

export interface ContextOptions {
  data?: JsonObject;
  state?: JsonObject | null;
  attempt?: number;
  /** Fixed epoch ms, or a clock function. */
  now?: number | (() => number);
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** A context plus what the attempt logged. */
export interface TestContext<P> {
  ctx: TaskContext<P>;
  logs: string[];
}

/**
 * Prepares `type` with `parameters` (as an import would) and builds the context of one attempt:
 * run 7, task instance 11, attempt 1, real `fetch`, no state, an empty `Data` unless given.
 */
export function makeContext<P>(
  type: TaskType<P>,
  parameters: Record<string, unknown>,
  options: ContextOptions = {},
): TestContext<P> {
  const task = makeTask(type.actionType, parameters);
  const prepared = type.prepare(task, testTools);
  // As the engine gives it: a shallow copy whose values are shared, frozen here so that a task changing
  // one in place fails its test (TaskContext.data).
  const data: JsonObject = { ...deepFreeze(structuredClone(options.data ?? {})) };
  const attempt = options.attempt ?? 1;
  const clock = options.now;
  const logs: string[] = [];
  const ctx: TaskContext<P> = {
    prepared,
    task,
    data,
    scope: { Data: data },
    state: options.state ?? null,
    attempt,
    idempotencyKey: `7:11:${attempt}`,
    runId: 7,
    taskInstanceId: 11,
    signal: options.signal ?? new AbortController().signal,
    now: typeof clock === 'function' ? clock : () => clock ?? Date.now(),
    fetch: options.fetch ?? fetch,
    log: (line) => logs.push(line),
    mail: null,
    workflows: {
      start: async () => {
        throw new Error('no sub-runs in unit tests');
      },
      get: async () => undefined,
    },
    iterationsDone: 0,
  };
  return { ctx, logs };
}
