import type { JsonObject } from '../model/records.js';
import { flagOr } from '../model/workflow-document.js';
import { TemplateError, type CompiledLiquid, type TemplateScope } from '../template/template-engine.js';
import { TaskParameterError, type PrepareTools, type TaskFailure, type TaskOutcome } from './task-type.js';

/**
 * Small helpers shared by the task types: reading the reference's loosely typed parameters at
 * `prepare` (strings for numbers and booleans, blanks for "unset"), compiling templates with the
 * parameter's name attached, and turning template failures into task errors at `execute`.
 */

/** Placement keys (`payload_location`, `placement`): a single `Data` key, as the reference allows. */
const PLACEMENT = /^[A-Za-z0-9_]+$/;

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** A parameter's object value (`{}` when absent); anything else is a `TaskParameterError`. */
export function objectParam(value: unknown, name: string): Record<string, unknown> {
  if (isBlank(value)) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new TaskParameterError(name, `${name} must be an object.`);
  }
  return value as Record<string, unknown>;
}

/**
 * A text parameter. Numbers are accepted as their decimal text because hand-written files put
 * `"delay_time": 60` as often as `"60"`. Absent is `''` unless `required`.
 */
export function stringParam(value: unknown, name: string, required = false): string {
  if (value === undefined || value === null) {
    if (required) throw new TaskParameterError(name, `${name} is required.`);
    return '';
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') throw new TaskParameterError(name, `${name} must be text.`);
  if (required && value.trim() === '') throw new TaskParameterError(name, `${name} is required.`);
  return value;
}

/** A boolean parameter: `true`/`"true"` (any case); blank takes `fallback`. */
export function boolParam(value: unknown, fallback: boolean): boolean {
  return flagOr(typeof value === 'string' ? value.trim() : value, fallback);
}

interface Range {
  min: number;
  max: number;
  fallback: number;
  /** Whether fractions are allowed (timeouts) or not (counts). */
  decimal?: boolean;
}

/** A number parameter given as a number or numeric text, within `[min, max]`; blank takes `fallback`. */
export function numberParam(value: unknown, name: string, range: Range): number {
  if (isBlank(value)) return range.fallback;
  const pattern = range.decimal ? /^-?\d+(\.\d+)?$/ : /^-?\d+$/;
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && pattern.test(value.trim()) ? Number(value) : NaN;
  const kind = range.decimal ? 'a number' : 'an integer';
  if (!Number.isFinite(n) || (!range.decimal && !Number.isInteger(n)) || n < range.min || n > range.max) {
    throw new TaskParameterError(name, `${name} must be ${kind} from ${range.min} to ${range.max}.`);
  }
  return n;
}

/** A placement key: a single `Data` key of letters, digits and `_`. */
export function placementParam(value: unknown, name: string, fallback: string): string {
  if (isBlank(value)) return fallback;
  const text = stringParam(value, name).trim();
  if (!PLACEMENT.test(text)) {
    throw new TaskParameterError(name, `${name} must contain only letters, digits and _ (got "${text}").`);
  }
  return text;
}

/** Compiles a Liquid parameter once; a syntax error rejects the import, naming the parameter. */
export function compileLiquidParam(
  tools: PrepareTools,
  name: string,
  source: string,
  strictVariables: boolean,
): CompiledLiquid {
  try {
    return tools.liquid(source, { strictVariables });
  } catch (err) {
    if (isTemplateError(err)) throw new TaskParameterError(name, `${name}: ${err.message}`);
    throw err;
  }
}

/**
 * Renders a compiled parameter. A `TemplateError` is re-thrown with the parameter's name in its
 * message, so the person reading the task error knows which field to fix; `guardTemplates` turns it
 * into the outcome.
 */
export async function renderParam(compiled: CompiledLiquid, scope: TemplateScope, name: string): Promise<string> {
  try {
    return await compiled.render(scope);
  } catch (err) {
    if (isTemplateError(err)) throw new TemplateError(`${name}: ${err.message}`, err.templateKind);
    throw err;
  }
}

/**
 * Runs an attempt body and returns a template failure as the task error
 * `WorkflowError::Liquid` / `WorkflowError::JSONata` instead of letting it escape `execute`.
 */
export async function guardTemplates(data: JsonObject, body: () => Promise<TaskOutcome>): Promise<TaskOutcome> {
  try {
    return await body();
  } catch (err) {
    if (isTemplateError(err)) return failure(`WorkflowError::${err.templateKind}`, err.message, data);
    throw err;
  }
}

/** Builds an error outcome. */
export function failure(errorClass: string, message: string, data?: JsonObject, details?: string): TaskFailure {
  const out: TaskFailure = { kind: 'error', errorClass, message };
  if (data !== undefined) out.data = data;
  if (details !== undefined) out.details = details;
  return out;
}

/**
 * Whether `err` is a `TemplateError`. The name check covers a second copy of the class (e.g. a
 * module loaded twice by a test runner), where `instanceof` alone would miss it.
 */
export function isTemplateError(err: unknown): err is TemplateError {
  return (
    err instanceof TemplateError ||
    (err instanceof Error &&
      err.name === 'TemplateError' &&
      ((err as Partial<TemplateError>).templateKind === 'Liquid' ||
        (err as Partial<TemplateError>).templateKind === 'JSONata'))
  );
}
