import { runInIsolate } from './isolate-runner.js';
import type { UserCodeRunner } from './user-code.js';

/**
 * The sandbox's entry point: `runUserCode(code, input, {timeoutMs, memoryMb})` resolves with the
 * JSON value `step(input)` returned, or with the failure (never a rejection for the code's own
 * faults). It is isolated-vm today; another implementation of `UserCodeRunner` can replace it here.
 */
export const runUserCode: UserCodeRunner = runInIsolate;

export {
  CONSOLE_LIMITS,
  MAX_OUTPUT_BYTES,
  UserCodeFailure,
  type ConsoleLine,
  type UserCodeOptions,
  type UserCodeResult,
  type UserCodeRunner,
} from './user-code.js';
