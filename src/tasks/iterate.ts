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
import {
  TaskParameterError,
  type PrepareTools,
  type TaskContext,
  type TaskOutcome,
  type TaskType,
} from './task-type.js';

const CUSTOM_LIQUID = 'CUSTOM LIQUID';

/** An Iterate task's source of items and how it walks them. */
export interface IteratePrepared {
  /** The `Data` key holding the array, or null for `CUSTOM LIQUID`. */
  object: string | null;
  statement: CompiledLiquid | null;
  chunkSize: number;
  concurrency: number;
  /** `Unique-Field`: only the first item for each value of this field (a key, or a dotted path). */
  uniqueField: string | null;
}

/**
 * Between attempts: where the items go in `Data`, how many there are, how many branches have been
 * started. The items themselves are stored once, apart (the engine reads back those it starts): a state
 * holding them would be written again at every wake-up, the square of the items in all.
 */
interface IterateCursor {
  key: string;
  total: number;
  launched: number;
}

const ITERATION_TYPES = ['Default', 'Unique-Field'] as const;

function prepare(task: TaskDefinition, tools: PrepareTools): IteratePrepared {
  const p = task.parameters;
  // The reference exports the object on the task itself; hand-written files put it in parameters.
  const object = stringParam(isBlankText(p['object']) ? task.object : p['object'], 'object', true).trim();
  const iterationType = stringParam(p['iteration_type'], 'iteration_type').trim() || 'Default';
  if (!(ITERATION_TYPES as readonly string[]).includes(iterationType)) {
    throw new TaskParameterError(
      'iteration_type',
      `iteration_type must be one of ${ITERATION_TYPES.join(', ')} (got "${iterationType}").`,
    );
  }
  const uniqueField =
    iterationType === 'Unique-Field' ? stringParam(p['iteration_field'], 'iteration_field', true).trim() : null;
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
    // The reference writes "0" for "not chunked".
    chunkSize: Math.max(1, numberParam(p['chunk_size'], 'chunk_size', { min: 0, max: 2000, fallback: 1 })),
    concurrency: numberParam(p['concurrency'], 'concurrency', { min: 1, max: 100, fallback: 1 }),
    uniqueField,
  };
}

function isBlankText(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/**
 * The value of `field` in an item: the key itself first (the reference's file rows are flat,
 * `{"Account.Id": ...}`), else the dotted path into nested objects (`{"Account": {"Id": ...}}`).
 */
function fieldValue(item: JsonValue, field: string): JsonValue | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
  if (field in item) return item[field];
  let value: JsonValue | undefined = item;
  for (const part of field.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = value[part];
  }
  return value;
}

/** The first item for each distinct value of `field`, in order; items without the field are kept once. */
function uniqueBy(items: JsonValue[], field: string): JsonValue[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = JSON.stringify(fieldValue(item, field) ?? null);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
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
  if (value === undefined || value === null) {
    // The reference's exports often iterate a file an Export task left (`Subscription__4.csv.zip`);
    // Weir keeps no files, so say why nothing was iterated.
    ctx.log(`Data.${key} is absent: nothing to iterate.`);
    return { key, items: [] };
  }
  return Array.isArray(value) ? { key, items: value } : `Data.${key} is not an array.`;
}

function chunked(items: JsonValue[], size: number): JsonValue[] {
  if (size <= 1) return items;
  const chunks: JsonValue[] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Starts as many branches as `concurrency` leaves room for; `items` on the first attempt, to be stored. */
function launch(ctx: TaskContext<IteratePrepared>, cursor: IterateCursor, items?: JsonValue[]): TaskOutcome {
  const inFlight = cursor.launched - ctx.iterationsDone;
  const count = Math.max(0, Math.min(ctx.prepared.concurrency - inFlight, cursor.total - cursor.launched));
  return {
    kind: 'fan-out',
    hook: 'For Each',
    key: cursor.key,
    ...(items ? { items } : {}),
    firstIndex: cursor.launched,
    count,
    state: { key: cursor.key, total: cursor.total, launched: cursor.launched + count },
    // Import refuses an Iterate without For Each; one stored before that check completes at once.
    ifHookUnlinked: { kind: 'success', hook: 'Complete', data: ctx.data },
  };
}

/** The cursor kept between attempts, and the items of a state written before they were stored apart. */
function cursorOf(state: JsonObject): { cursor: IterateCursor; legacyItems?: JsonValue[] } {
  const key = typeof state['key'] === 'string' ? state['key'] : 'Iterate';
  const launched = typeof state['launched'] === 'number' ? state['launched'] : 0;
  const items = state['items'];
  if (Array.isArray(items)) return { cursor: { key, total: items.length, launched }, legacyItems: items };
  return { cursor: { key, total: typeof state['total'] === 'number' ? state['total'] : 0, launched } };
}

async function execute(ctx: TaskContext<IteratePrepared>): Promise<TaskOutcome> {
  if (ctx.state) {
    const { cursor, legacyItems } = cursorOf(ctx.state);
    if (ctx.iterationsDone >= cursor.total) return { kind: 'success', hook: 'Complete', data: ctx.data };
    // An Iterate waiting since before items were stored apart hands them over once, to be stored.
    return launch(ctx, cursor, legacyItems);
  }
  return guardTemplates(ctx.data, async () => {
    const found = await itemsOf(ctx);
    if (typeof found === 'string') return failure('WorkflowError::Iterate', found, ctx.data);
    const unique = ctx.prepared.uniqueField;
    const items = chunked(unique === null ? found.items : uniqueBy(found.items, unique), ctx.prepared.chunkSize);
    if (items.length === 0) return { kind: 'success', hook: 'Complete', data: ctx.data };
    return launch(ctx, { key: found.key, total: items.length, launched: 0 }, items);
  });
}

/**
 * `Iterate`: runs the `For Each` branch once per item (or chunk of `chunk_size` items) of an array in
 * `Data` (`object`, on the task as the reference exports it, or in `parameters`; with `iteration_type:
 * "Unique-Field"` only the first item per value of `iteration_field`) or rendered by `liquid_statement` (`object: "CUSTOM LIQUID"`), at most
 * `concurrency` (**ext**, default 1) at a time; inside a branch `Data.<object>` (or `Data.Iterate`) is
 * the item. `Complete` fires once, after every branch has ended, with the Iterate's own `Data`.
 */
export const Iterate: TaskType<IteratePrepared> = {
  actionType: 'Iterate',
  hooks: ['For Each', 'Complete'],
  // Without a For Each linkage it would start no branch and wait for them forever.
  requiredHooks: ['For Each'],
  isResponsive: true,
  hasSideEffects: false,
  prepare,
  execute,
};
