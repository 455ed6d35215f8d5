import { createRequire } from 'node:module';
import type jsonata from 'jsonata';
import type { JsonValue } from '../model/records.js';
import { toPlainJson } from './plain-json.js';
import { SafeRegexEngine } from './safe-regex.js';
import { TemplateError, type CompiledJsonata } from './template-engine.js';
import { evaluateJsonataInWorker } from './template-worker-pool.js';
import type { JsonataLimits } from './template-limits.js';

export type { JsonataLimits };

/**
 * jsonata, loaded on the first expression compiled: many workflows never use one, and loading it grows an
 * idle server's heap by several MB. Synchronously (it is CommonJS), since compiling is synchronous.
 */
const requireFromHere = createRequire(import.meta.url);
let loadedJsonata: typeof jsonata | undefined;
function jsonataLibrary(): typeof jsonata {
  return (loadedJsonata ??= requireFromHere('jsonata') as typeof jsonata);
}

export const DEFAULT_JSONATA_LIMITS: Readonly<JsonataLimits> = Object.freeze({ timeoutMs: 5_000, maxDepth: 500 });

/**
 * What one evaluation may spend on the event loop before it moves to a worker thread and runs
 * again there with the full limits (see template-worker-pool.ts and MAIN_THREAD_LIQUID_SLICE).
 * JSONata reads its clock in whole milliseconds at each sub-expression.
 */
export const MAIN_THREAD_JSONATA_SLICE_MS = 10;

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
 *
 * Each evaluation starts on the event loop within `MAIN_THREAD_JSONATA_SLICE_MS`; one that
 * exceeds it is evaluated again in a worker thread with `limits`.
 */
export function compileJsonata(
  expression: string,
  limits: Readonly<JsonataLimits> = DEFAULT_JSONATA_LIMITS,
): CompiledJsonata {
  if (limits.timeoutMs <= MAIN_THREAD_JSONATA_SLICE_MS) return compileJsonataHere(expression, limits);
  const here = compile(expression, { timeoutMs: MAIN_THREAD_JSONATA_SLICE_MS, maxDepth: limits.maxDepth });
  return {
    async evaluate(input, bindings) {
      let result: unknown;
      try {
        result = await here.evaluate(input, bindings);
      } catch (error) {
        if (!isTimeout(error)) throw toTemplateError(error);
        return evaluateJsonataInWorker({
          expression,
          limits: { ...limits },
          // Plain JSON by contract; the copy drops anything a worker could not receive.
          input: toPlainJson(input),
          bindings: bindings && (toPlainJson(bindings) as Record<string, JsonValue>),
        });
      }
      return toPlainJson(result, isJsonataFunction);
    },
  };
}

/** `compileJsonata` with `limits` enforced in this thread: for the template worker. */
export function compileJsonataHere(
  expression: string,
  limits: Readonly<JsonataLimits> = DEFAULT_JSONATA_LIMITS,
): CompiledJsonata {
  const compiled = compile(expression, limits);
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

function isTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'D1012';
}

function compile(expression: string, limits: Readonly<JsonataLimits>): jsonata.Expression {
  try {
    // The `timeout`/`stack` options are jsonata 2's built-in form of the documented
    // `timeboxExpression` entry/exit hooks, but counted per evaluation: hooks assigned on the
    // expression would share one clock and depth between concurrent evaluations.
    // Regex literals (`$match(s, /.../)`) run on RE2, in linear time: see safe-regex.ts.
    return jsonataLibrary()(expression, {
      timeout: limits.timeoutMs,
      stack: limits.maxDepth,
      RegexEngine: SafeRegexEngine as unknown as RegExpConstructor,
    });
  } catch (error) {
    throw toTemplateError(error);
  }
}
