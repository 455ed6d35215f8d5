import jsonata from 'jsonata';
import type { JsonValue } from '../model/records.js';
import { toPlainJson } from './plain-json.js';
import { TemplateError, type CompiledJsonata } from './template-engine.js';

/** Budgets for one evaluation; both are checked each time JSONata enters a sub-expression. */
export interface JsonataLimits {
  /** Wall-clock budget of one evaluation, in milliseconds. */
  timeoutMs: number;
  /** Deepest nesting of sub-expression evaluations (catches runaway recursion). */
  maxDepth: number;
}

export const DEFAULT_JSONATA_LIMITS: Readonly<JsonataLimits> = Object.freeze({ timeoutMs: 5_000, maxDepth: 500 });

/** JSONata throws plain objects, not `Error`s: `{ code, position, token, message }`. */
function toTemplateError(error: unknown): TemplateError {
  if (error instanceof TemplateError) return error;
  if (typeof error === 'object' && error !== null) {
    const { code, position, message } = error as { code?: unknown; position?: unknown; message?: unknown };
    const text = typeof message === 'string' && message !== '' ? message : 'JSONata expression failed';
    const where = [typeof code === 'string' ? code : '', typeof position === 'number' ? `position ${position}` : '']
      .filter(Boolean)
      .join(', ');
    return new TemplateError(where ? `${text} (${where})` : text, 'JSONata');
  }
  return new TemplateError(String(error), 'JSONata');
}

/** JSONata functions are objects flagged this way; they are not data. */
function isJsonataFunction(value: object): boolean {
  return '_jsonata_lambda' in value || '_jsonata_function' in value;
}

/**
 * Compiles a JSONata expression once; the result evaluates many times, concurrently if need be.
 * Errors: a syntax error throws `TemplateError(message, 'JSONata')` here; an evaluation error,
 * an exceeded time budget (D1012) or recursion depth (D1011) rejects with one.
 * Results are plain JSON: `undefined` (no match) is `null`, functions are `null`.
 * `limits` exists for tests and callers that need tighter budgets than the defaults.
 */
export function compileJsonata(
  expression: string,
  limits: Readonly<JsonataLimits> = DEFAULT_JSONATA_LIMITS,
): CompiledJsonata {
  let compiled: jsonata.Expression;
  try {
    // The `timeout`/`stack` options are jsonata 2's built-in form of the documented
    // `timeboxExpression` entry/exit hooks, but counted per evaluation: hooks assigned on the
    // expression would share one clock and depth between concurrent evaluations.
    compiled = jsonata(expression, { timeout: limits.timeoutMs, stack: limits.maxDepth });
  } catch (error) {
    throw toTemplateError(error);
  }
  return {
    async evaluate(input: JsonValue, bindings?: Record<string, JsonValue>): Promise<JsonValue> {
      let result: unknown;
      try {
        result = await compiled.evaluate(input, bindings);
      } catch (error) {
        throw toTemplateError(error);
      }
      return toPlainJson(result, isJsonataFunction);
    },
  };
}
