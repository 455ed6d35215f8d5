import { availableParallelism } from 'node:os';
import type ivm from 'isolated-vm';
import type { JsonObject, JsonValue } from '../model/records.js';
import { HARNESS_SOURCE } from './isolate-harness.js';
import { Slots } from './slots.js';
import {
  CONSOLE_LIMITS,
  MAX_OUTPUT_BYTES,
  UserCodeFailure,
  type ConsoleLine,
  type UserCodeOptions,
  type UserCodeResult,
} from './user-code.js';

/**
 * `UserCodeRunner` on isolated-vm: each execution gets a new V8 isolate (its own heap, its own
 * globals: no `process`, `require`, modules, timers, file system or network), disposed afterwards,
 * so nothing (prototype pollution included) survives into the next run. Creating one costs ~5 ms.
 *
 * Time: isolated-vm's `timeout` bounds each call into the isolate, microtasks included; the
 * budget is shared by the calls from one deadline. The isolate does nothing but compute (no I/O,
 * no timers), and at most one isolate per core runs at once (`Slots`), so its wall time is its CPU
 * time. A host timer disposes the isolate if the budget is overrun anyway.
 */

/** The file name shown in the code's stack traces. */
const FILENAME = 'step.js';
/** After the budget, how long the host waits before disposing the isolate itself. */
const BACKSTOP_GRACE_MS = 1_000;
/** Module syntax is chosen when a line starts with `export` or `import` (`export function step`). */
const MODULE_SYNTAX = /^\s*(export|import)\s/m;
const LEVELS: readonly ConsoleLine['level'][] = ['log', 'info', 'warn', 'error', 'debug'];

/**
 * isolated-vm, loaded with the first script run: a native addon most servers never need (only the
 * `Script::JavaScript` task does), which would otherwise be loaded and mapped at every start.
 */
let loadedIsolatedVm: Promise<typeof ivm> | undefined;
function isolatedVm(): Promise<typeof ivm> {
  return (loadedIsolatedVm ??= import('isolated-vm').then((module) => module.default));
}

/** At most one running isolate per core: more would only make each one's wall time exceed its CPU time. */
const slots = new Slots(Math.max(1, availableParallelism()));

/** What the harness reports back (see isolate-harness.ts). */
type HarnessOutcome =
  | { state: 'pending' | 'no-step' }
  | { state: 'value'; json: string }
  | { state: 'not-json'; message: string }
  | { state: 'too-large'; chars: number }
  | { state: 'thrown'; message: string; stack: string };

/** Runs `code`'s `step(input)` in a fresh isolate. See `UserCodeRunner`. */
export async function runInIsolate(code: string, input: JsonObject, options: UserCodeOptions): Promise<UserCodeResult> {
  const logs: ConsoleLine[] = [];
  const isAcquired = await slots.acquire(options.signal);
  if (!isAcquired) return failed(UserCodeFailure.Aborted, 'The run was stopped.', logs);
  try {
    return await execute(code, input, options, logs);
  } finally {
    slots.release();
  }
}

async function execute(
  code: string,
  input: JsonObject,
  options: UserCodeOptions,
  logs: ConsoleLine[],
): Promise<UserCodeResult> {
  const maxOutputBytes = options.maxOutputBytes ?? MAX_OUTPUT_BYTES;
  const ivm = await isolatedVm();
  const isolate = new ivm.Isolate({ memoryLimit: Math.max(8, options.memoryMb) });
  let stoppedBy: 'timeout' | 'abort' | null = null;
  const stop = (reason: 'timeout' | 'abort'): void => {
    stoppedBy ??= reason;
    if (!isolate.isDisposed) isolate.dispose();
  };
  const backstop = setTimeout(() => stop('timeout'), options.timeoutMs + BACKSTOP_GRACE_MS);
  const onAbort = (): void => stop('abort');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const deadline = performance.now() + options.timeoutMs;
  // Each call into the isolate gets what is left of the one budget (isolated-vm wants at least 1 ms).
  const remaining = (): number => Math.max(1, Math.ceil(deadline - performance.now()));

  try {
    if (options.signal?.aborted) return failed(UserCodeFailure.Aborted, 'The run was stopped.', logs);
    const context = await isolate.createContext();
    const hostLog = new ivm.Callback((level: unknown, text: unknown) => {
      // The harness bounds the output; this re-checks because the host must not trust the isolate.
      if (logs.length > CONSOLE_LIMITS.lines || typeof text !== 'string') return;
      const known = LEVELS.find((l) => l === level) ?? 'log';
      logs.push({ level: known, text: text.slice(0, CONSOLE_LIMITS.lineChars + 1) });
    });
    const limits = { ...CONSOLE_LIMITS, outputChars: maxOutputBytes };
    const factory = (await context.eval(HARNESS_SOURCE, { reference: true })) as ivm.Reference;
    const harness = (await factory.apply(undefined, [hostLog, new ivm.ExternalCopy(limits).copyInto()], {
      result: { reference: true },
      timeout: remaining(),
    })) as ivm.Reference;
    const start = (await harness.get('start', { reference: true })) as ivm.Reference;
    const readOutcome = (await harness.get('outcome', { reference: true })) as ivm.Reference;

    let compiled: Compiled;
    try {
      compiled = MODULE_SYNTAX.test(code)
        ? { kind: 'module', module: await isolate.compileModule(code, { filename: FILENAME }) }
        : { kind: 'script', script: await isolate.compileScript(code, { filename: FILENAME }) };
    } catch (error) {
      if (isolate.isDisposed) throw error; // stopped while compiling: classified below
      return failed(UserCodeFailure.Syntax, `The code does not compile: ${describeThrown(error)}`, logs);
    }
    const step = await loadStep(compiled, context, remaining);
    await start.apply(undefined, [step.derefInto(), new ivm.ExternalCopy(input).copyInto({ release: true })], {
      timeout: remaining(),
    });
    const outcome = (await readOutcome.apply(undefined, [], {
      result: { copy: true },
      timeout: remaining(),
    })) as HarnessOutcome;
    return resultOf(outcome, maxOutputBytes, logs);
  } catch (error) {
    return failureOf(error, { stoppedBy, isDisposed: isolate.isDisposed, timeoutMs: options.timeoutMs }, logs);
  } finally {
    clearTimeout(backstop);
    options.signal?.removeEventListener('abort', onAbort);
    if (!isolate.isDisposed) isolate.dispose();
  }
}

type Compiled = { kind: 'script'; script: ivm.Script } | { kind: 'module'; module: ivm.Module };

/** Runs the top-level code and returns a reference to `step` (to `undefined` when there is none). */
async function loadStep(compiled: Compiled, context: ivm.Context, remaining: () => number): Promise<ivm.Reference> {
  if (compiled.kind === 'module') {
    const { module } = compiled;
    await module.instantiate(context, (specifier) => {
      throw new Error(`import "${specifier}" is not allowed: a step has no modules to import.`);
    });
    await module.evaluate({ timeout: remaining() });
    return (await module.namespace.get('step', { reference: true })) as ivm.Reference;
  }
  await compiled.script.run(context, { timeout: remaining() });
  // Read by name, not from the global object: `const step = ...` is a global binding but no property.
  return (await context.eval('typeof step === "undefined" ? undefined : step', {
    reference: true,
    timeout: remaining(),
  })) as ivm.Reference;
}

/** The result for what the harness reported. */
function resultOf(outcome: HarnessOutcome, maxOutputBytes: number, logs: ConsoleLine[]): UserCodeResult {
  switch (outcome.state) {
    case 'value': {
      const bytes = Buffer.byteLength(outcome.json, 'utf8');
      if (bytes > maxOutputBytes) return tooLarge(bytes, maxOutputBytes, logs);
      return { ok: true, value: JSON.parse(outcome.json) as JsonValue, logs };
    }
    case 'too-large':
      return tooLarge(outcome.chars, maxOutputBytes, logs);
    case 'not-json':
      return failed(UserCodeFailure.NotJson, `step returned a value that is not JSON: ${outcome.message}`, logs);
    case 'thrown':
      return failed(UserCodeFailure.Thrown, outcome.message, logs, userFrames(outcome.stack));
    case 'no-step':
      return failed(
        UserCodeFailure.NoStep,
        'The code defines no function step(input): write `function step(input) {...}` or `export function step(input) {...}`.',
        logs,
      );
    case 'pending':
      return failed(
        UserCodeFailure.NeverSettled,
        'step returned a promise that never settles (the sandbox has no timers or I/O to settle it).',
        logs,
      );
  }
}

function tooLarge(size: number, max: number, logs: ConsoleLine[]): UserCodeResult {
  const mib = (n: number): string => (n / 1024 / 1024).toFixed(1);
  return failed(
    UserCodeFailure.OutputTooLarge,
    `step returned ${mib(size)} MiB of JSON; at most ${mib(max)} MiB is allowed.`,
    logs,
  );
}

/** The result for an error thrown by isolated-vm: the code's own throw, or the isolate stopped. */
function failureOf(
  error: unknown,
  how: { stoppedBy: 'timeout' | 'abort' | null; isDisposed: boolean; timeoutMs: number },
  logs: ConsoleLine[],
): UserCodeResult {
  const message = error instanceof Error ? error.message : '';
  if (how.stoppedBy === 'abort') return failed(UserCodeFailure.Aborted, 'The run was stopped.', logs);
  if (how.stoppedBy === 'timeout' || message === 'Script execution timed out.') {
    return failed(UserCodeFailure.Timeout, `The code ran out of time (limit ${how.timeoutMs / 1000} s).`, logs);
  }
  if (how.isDisposed) {
    // isolated-vm disposes an isolate that reached its memory limit ("... due to memory limit").
    return failed(UserCodeFailure.Memory, 'The code ran out of memory.', logs);
  }
  const details = error instanceof Error && typeof error.stack === 'string' ? userFrames(error.stack) : undefined;
  return failed(UserCodeFailure.Thrown, describeThrown(error).slice(0, 2000), logs, details);
}

/**
 * Text for a value thrown across the isolate boundary. isolated-vm hands over errors as host
 * errors of the same name, strings and `null`/`undefined` as they are, and other objects as its own
 * generic error.
 */
function describeThrown(error: unknown): string {
  if (error instanceof Error && error.message.startsWith('An object was thrown from supplied code')) {
    return 'The top-level code threw an object that is not an Error.';
  }
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (typeof error === 'string') return error;
  return String(error);
}

function failed(failure: UserCodeFailure, message: string, logs: ConsoleLine[], details?: string): UserCodeResult {
  return details === undefined ? { ok: false, failure, message, logs } : { ok: false, failure, message, details, logs };
}

/**
 * A stack trace cut to the user's frames (`step.js`): the harness's and the host's frames say
 * nothing to the author and would show the server's file paths.
 */
function userFrames(stack: string): string | undefined {
  const kept = stack
    .split('\n')
    .filter((line, i) => i === 0 || (/^\s+at /.test(line) && line.includes(FILENAME)))
    .join('\n')
    .slice(0, 4000);
  return kept === '' ? undefined : kept;
}
