import type { JsonObject, JsonValue } from '../model/records.js';

/**
 * The contract of the sandbox that runs user JavaScript (the `Script::JavaScript` task). The task
 * sees only this, so the isolate behind it (isolated-vm today) can be swapped.
 *
 * User code defines `function step(input)` (script) or `export function step(input)` (module); it
 * may be `async`. It gets a copy of `input`, returns a JSON value, and reaches nothing of the host.
 */

/** Limits of one execution. */
export interface UserCodeOptions {
  /** Time budget of the whole execution (compile, top-level code, `step` and its promise), in ms. */
  timeoutMs: number;
  /** Heap limit of the isolate, in MB (at least 8). */
  memoryMb: number;
  /** Largest result, as JSON text in UTF-8 bytes; default `MAX_OUTPUT_BYTES`. */
  maxOutputBytes?: number;
  /** Aborting it ends the execution at once (a stopped run); the result is then `aborted`. */
  signal?: AbortSignal;
}

/** One line the code wrote with `console.log/info/warn/error/debug`. */
export interface ConsoleLine {
  level: 'log' | 'info' | 'warn' | 'error' | 'debug';
  text: string;
}

/** Why an execution produced no value. */
export const UserCodeFailure = {
  /** The code does not parse. */
  Syntax: 'syntax',
  /** No function `step` was defined or exported. */
  NoStep: 'no-step',
  /** The top-level code or `step` threw (or its promise rejected); the message is the thrown value's. */
  Thrown: 'thrown',
  /** `step` returned something JSON cannot hold (a function, a BigInt, a cycle). */
  NotJson: 'not-json',
  /** The result is larger than `maxOutputBytes`. */
  OutputTooLarge: 'output-too-large',
  /** `step` returned a promise that nothing inside the sandbox can ever settle. */
  NeverSettled: 'never-settled',
  /** The time budget ran out. */
  Timeout: 'timeout',
  /** The isolate ran out of memory and was disposed. */
  Memory: 'memory',
  /** `options.signal` was aborted. */
  Aborted: 'aborted',
} as const;
export type UserCodeFailure = (typeof UserCodeFailure)[keyof typeof UserCodeFailure];

/**
 * The outcome of one execution. Every failure of the user's code is a value here, never a
 * rejection; `logs` holds the console output captured up to the end (bounded).
 */
export type UserCodeResult =
  | { ok: true; value: JsonValue; logs: ConsoleLine[] }
  | { ok: false; failure: UserCodeFailure; message: string; details?: string; logs: ConsoleLine[] };

/** Runs `code`'s `step(input)` in a fresh sandbox. Rejects only on a bug or a broken host. */
export type UserCodeRunner = (code: string, input: JsonObject, options: UserCodeOptions) => Promise<UserCodeResult>;

/** The reference's `Data` limit: a result that big could never be written to `Data` anyway. */
export const MAX_OUTPUT_BYTES = 5 * 1024 * 1024;

/** Console capture bounds: enough to debug a step, too little to fill the task log. */
export const CONSOLE_LIMITS = Object.freeze({ lines: 200, lineChars: 2_000, totalChars: 64 * 1024 });
