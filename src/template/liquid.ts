import { Context, Drop, Liquid, type FS, type Template } from 'liquidjs';
import type { JsonValue } from '../model/records.js';
import { registerWeirFilters } from './liquid-filters.js';
import { toPlainJson } from './plain-json.js';
import { TemplateError, type CompiledLiquid, type LiquidOptions, type TemplateScope } from './template-engine.js';
import { renderLiquidInWorker } from './template-worker-pool.js';
import type { LiquidLimits } from './template-limits.js';

export type { LiquidLimits };

export const DEFAULT_LIQUID_LIMITS: Readonly<LiquidLimits> = Object.freeze({
  renderMs: 10_000,
  memoryUnits: 20_000_000,
  sourceChars: 5_000_000,
});

/**
 * What one render may spend on the event loop before it is moved to a worker thread
 * (template-worker-pool.ts) and run again there with the full limits. 10 ms keeps `/health`
 * and the other requests answering within tens of ms whatever the templates do; typical renders
 * take 2-5 µs. 250,000 memory units: no single filter step over that much (a sort, a join) takes
 * more than a few ms, and liquidjs can only check its clock between steps.
 */
export const MAIN_THREAD_LIQUID_SLICE: Readonly<Pick<LiquidLimits, 'renderMs' | 'memoryUnits'>> = Object.freeze({
  renderMs: 10,
  memoryUnits: 250_000,
});

const RENDER_LIMIT_MESSAGE = 'template render limit exceeded';
const MEMORY_LIMIT_MESSAGE = 'memory alloc limit exceeded';

/** Templates never read files: every lookup misses, every read fails. */
const NO_FILES: FS = {
  exists: () => Promise.resolve(false),
  existsSync: () => false,
  readFile: (file) => Promise.reject(new Error(`templates cannot read files (${file})`)),
  readFileSync: (file) => {
    throw new Error(`templates cannot read files (${file})`);
  },
  resolve: (_dir, file) => file,
  contains: () => Promise.resolve(false),
  containsSync: () => false,
};

/** Tags that load other templates from disk; rejected at parse time so imports fail early. */
const FILE_TAGS = ['include', 'render', 'layout'] as const;

const engines = new Map<boolean, Liquid>();

function engineFor(strictVariables: boolean): Liquid {
  let engine = engines.get(strictVariables);
  if (!engine) {
    engine = new Liquid({
      strictVariables,
      strictFilters: true,
      // Hides `constructor`, `__proto__` & co.: templates only see the JSON they were given.
      ownPropertyOnly: true,
      fs: NO_FILES,
      root: [],
      partials: [],
      layouts: [],
      relativeReference: false,
      dynamicPartials: false,
      // Deterministic `date` output whatever the host's zone and locale; offsets in inputs are kept
      // as Ruby's Time.parse does.
      timezoneOffset: 0,
      preserveTimezones: true,
      locale: 'en-US',
      parseLimit: DEFAULT_LIQUID_LIMITS.sourceChars,
      renderLimit: DEFAULT_LIQUID_LIMITS.renderMs,
      memoryLimit: DEFAULT_LIQUID_LIMITS.memoryUnits,
    });
    for (const tag of FILE_TAGS) {
      engine.registerTag(tag, {
        parse() {
          throw new Error(`the ${tag} tag is not supported: templates cannot load other templates`);
        },
        render() {
          return '';
        },
      });
    }
    registerWeirFilters(engine);
    engines.set(strictVariables, engine);
  }
  return engine;
}

const isDrop = (value: object): boolean => value instanceof Drop;

/** liquidjs messages already say what and where (`undefined variable: Data.Foo, line:1, col:4`). */
function toTemplateError(error: unknown, limits?: Readonly<LiquidLimits>): TemplateError {
  if (error instanceof TemplateError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n', 1)[0]?.trim() ?? '';
  if (limits && firstLine.includes(RENDER_LIMIT_MESSAGE)) {
    return new TemplateError(`the Liquid template ran out of time (limit ${limits.renderMs / 1000} s)`, 'Liquid');
  }
  if (limits && firstLine.includes(MEMORY_LIMIT_MESSAGE)) {
    return new TemplateError(`the Liquid template used too much memory (limit ${limits.memoryUnits} units)`, 'Liquid');
  }
  return new TemplateError(firstLine || 'Liquid template failed', 'Liquid');
}

/** A render that stopped at its main-thread slice, to be run again in a worker. */
class SliceExceeded extends Error {}

/**
 * Parses a Liquid template once; the result renders many times, concurrently if need be.
 * Errors: a syntax error, an unknown filter, a file-loading tag or an over-long source throws
 * `TemplateError(message, 'Liquid')` here; render failures (undefined variable when
 * `strictVariables`, a filter error, an exceeded time or memory budget) reject with one.
 * `limits` exists for tests and callers that need tighter budgets than the defaults.
 *
 * Each render starts on the event loop within `MAIN_THREAD_LIQUID_SLICE`; one that exceeds it
 * is rendered again in a worker thread with `limits`, so no template can freeze the server.
 */
export function compileLiquid(
  source: string,
  options: LiquidOptions,
  limits: Readonly<LiquidLimits> = DEFAULT_LIQUID_LIMITS,
): CompiledLiquid {
  const slice: LiquidLimits = {
    renderMs: Math.min(limits.renderMs, MAIN_THREAD_LIQUID_SLICE.renderMs),
    memoryUnits: Math.min(limits.memoryUnits, MAIN_THREAD_LIQUID_SLICE.memoryUnits),
    sourceChars: limits.sourceChars,
  };
  const here = compileWith(source, options, slice, limits);
  const inWorker = (scope: TemplateScope, isCapturingAssigns: boolean) =>
    renderLiquidInWorker({
      source,
      strictVariables: options.strictVariables,
      limits: { ...limits },
      // Plain JSON by contract; the copy drops anything a worker could not receive.
      scope: toPlainJson(scope) as unknown as TemplateScope,
      isCapturingAssigns,
    });
  return {
    async render(scope) {
      try {
        return await here.render(scope);
      } catch (error) {
        if (!(error instanceof SliceExceeded)) throw error;
        return (await inWorker(scope, false)).output;
      }
    },
    async renderCapturingAssigns(scope) {
      try {
        return await here.renderCapturingAssigns(scope);
      } catch (error) {
        if (!(error instanceof SliceExceeded)) throw error;
        return inWorker(scope, true);
      }
    },
  };
}

/** `compileLiquid` with `limits` enforced in this thread: for the template worker. */
export function compileLiquidHere(
  source: string,
  options: LiquidOptions,
  limits: Readonly<LiquidLimits> = DEFAULT_LIQUID_LIMITS,
): CompiledLiquid {
  return compileWith(source, options, limits, limits);
}

/**
 * Renders within `budget`; when it is smaller than `limits` in the resource that ran out, the
 * render rejects with `SliceExceeded` instead of a `TemplateError`.
 */
function compileWith(
  source: string,
  options: LiquidOptions,
  budget: Readonly<LiquidLimits>,
  limits: Readonly<LiquidLimits>,
): CompiledLiquid {
  const engine = engineFor(options.strictVariables);
  if (source.length > limits.sourceChars) {
    throw new TemplateError(`template longer than ${limits.sourceChars} characters`, 'Liquid');
  }
  let templates: Template[];
  try {
    templates = engine.parse(source);
  } catch (error) {
    throw toTemplateError(error);
  }

  async function run(scope: TemplateScope): Promise<{ output: string; context: Context }> {
    // A shallow copy: `{% increment %}` writes to the environment and must not touch the caller's.
    // Rendered synchronously: no filter, tag or value here is asynchronous (no file tags, no async
    // filters), and liquidjs's promise-based render allocated ~7.6 KB per render of a small template, a
    // tenth of a /sync request's garbage. Its render and memory limits are checked the same way.
    const context = new Context(
      { ...scope },
      engine.options,
      { sync: true, renderLimit: budget.renderMs, memoryLimit: budget.memoryUnits },
      { liquid: engine },
    );
    try {
      const output: unknown = engine.renderSync(templates, context);
      return { output: typeof output === 'string' ? output : String(output), context };
    } catch (error) {
      const message = error instanceof Error ? error.message : '';
      const isSliceOver =
        (budget.renderMs < limits.renderMs && message.includes(RENDER_LIMIT_MESSAGE)) ||
        (budget.memoryUnits < limits.memoryUnits && message.includes(MEMORY_LIMIT_MESSAGE));
      if (isSliceOver) throw new SliceExceeded(message);
      throw toTemplateError(error, limits);
    }
  }

  return {
    async render(scope) {
      return (await run(scope)).output;
    },
    async renderCapturingAssigns(scope) {
      const { output, context } = await run(scope);
      // `assign` and `capture` write to the bottom scope, even inside loops and conditions.
      const assigns: Record<string, JsonValue> = {};
      for (const [key, value] of Object.entries(context.bottom())) assigns[key] = toPlainJson(value, isDrop);
      return { output, assigns };
    },
  };
}
