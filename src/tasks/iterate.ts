import type { JsonObject, JsonValue } from '../model/records.js';
import type { TaskDefinition } from '../model/workflow-document.js';
import type { CompiledLiquid } from '../template/template-engine.js';
import {
  boolParam,
  compileLiquidParam,
  failure,
  guardTemplates,
  numberParam,
  renderParam,
  stringParam,
} from './task-helpers.js';
import type { PrepareTools, TaskContext, TaskOutcome, TaskType } from './task-type.js';

const CUSTOM_LIQUID = 'CUSTOM LIQUID';

/** An Iterate task's source of items and how it walks them. */
export interface IteratePrepared {
  /** The `Data` key holding the array, or null for `CUSTOM LIQUID`. */
  object: string | null;
  statement: CompiledLiquid | null;
  chunkSize: number;
  concurrency: number;
}

/** Between attempts: the branches' Data items, how many there are, how many have been started. */
interface IterateState extends JsonObject {
  key: string;
  items: JsonValue[];
  launched: number;
}

function prepare(task: TaskDefinition, tools: PrepareTools): IteratePrepared {
  const p = task.parameters;
  const object = stringParam(p['object'], 'object', true).trim();
  const isCustom = object.toUpperCase() === CUSTOM_LIQUID;
  return {
    object: isCustom ? null : object,
    statement: isCustom
      ? compileLiquidParam(
          tools,
          'liquid_statement',
          stringParam(p['liquid_statement'], 'liquid_statement', true),
          boolParam(p['strict_variables'], true),
        )
      : null,
    chunkSize: numberParam(p['chunk_size'], 'chunk_size', { min: 1, max: 2000, fallback: 1 }),
    concurrency: numberParam(p['concurrency'], 'concurrency', { min: 1, max: 100, fallback: 1 }),
  };
}

async function itemsOf(ctx: TaskContext<IteratePrepared>): Promise<{ key: string; items: JsonValue[] } | string> {
  const { object, statement } = ctx.prepared;
  if (statement) {
    const text = await renderParam(statement, ctx.scope, 'liquid_statement');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return 'liquid_statement must render a JSON array.';
    }
    return Array.isArray(parsed)
      ? { key: 'Iterate', items: parsed as JsonValue[] }
      : 'liquid_statement must render a JSON array.';
  }
  const key = object ?? 'Iterate';
  const value = ctx.data[key];
  if (value === undefined || value === null) return { key, items: [] };
  return Array.isArray(value) ? { key, items: value } : `Data.${key} is not an array.`;
}

function chunked(items: JsonValue[], size: number): JsonValue[] {
  if (size <= 1) return items;
  const chunks: JsonValue[] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

function launch(ctx: TaskContext<IteratePrepared>, state: IterateState): TaskOutcome {
  const inFlight = state.launched - ctx.iterationsDone;
  const count = Math.max(0, Math.min(ctx.prepared.concurrency - inFlight, state.items.length - state.launched));
  const start = state.launched;
  const branches = state.items.slice(start, start + count).map((item) => ({ ...ctx.data, [state.key]: item }));
  return {
    kind: 'fan-out',
    hook: 'For Each',
    branches,
    firstIndex: start,
    state: { ...state, launched: start + count },
  };
}

async function execute(ctx: TaskContext<IteratePrepared>): Promise<TaskOutcome> {
  const previous = ctx.state as IterateState | null;
  if (previous) {
    if (ctx.iterationsDone >= previous.items.length) return { kind: 'success', hook: 'Complete', data: ctx.data };
    return launch(ctx, previous);
  }
  return guardTemplates(ctx.data, async () => {
    const found = await itemsOf(ctx);
    if (typeof found === 'string') return failure('WorkflowError::Iterate', found, ctx.data);
    const items = chunked(found.items, ctx.prepared.chunkSize);
    if (items.length === 0) return { kind: 'success', hook: 'Complete', data: ctx.data };
    return launch(ctx, { key: found.key, items, launched: 0 });
  });
}

/**
 * `Iterate`: runs the `For Each` branch once per item (or chunk of `chunk_size` items) of an array in
 * `Data` (`object`) or rendered by `liquid_statement` (`object: "CUSTOM LIQUID"`), at most
 * `concurrency` (**ext**, default 1) at a time; inside a branch `Data.<object>` (or `Data.Iterate`) is
 * the item. `Complete` fires once, after every branch has ended, with the Iterate's own `Data`.
 */
export const Iterate: TaskType<IteratePrepared> = {
  actionType: 'Iterate',
  hooks: ['For Each', 'Complete'],
  isResponsive: true,
  hasSideEffects: false,
  prepare,
  execute,
};
