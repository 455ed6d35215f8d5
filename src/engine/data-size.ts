import type { TaskOutcome } from '../tasks/task-type.js';

/** A task's `Data` may be at most 5 MiB (engine.md); more is a task error, not a crash. */
export const MAX_DATA_BYTES = 5 * 1024 * 1024;

/**
 * The UTF-8 size of serialized `Data`, counted exactly only near the limit: a character is 1 to 3
 * bytes, so a text of fewer than a third of the limit's characters is far below it whatever they are.
 */
export function dataBytes(json: string): number {
  return json.length * 3 < MAX_DATA_BYTES ? json.length : Buffer.byteLength(json);
}

/**
 * Turns a success whose `Data` is over the limit into a task error; otherwise hands back the
 * serialized `Data` so the store does not serialize it a second time.
 */
export function checkSize(outcome: TaskOutcome): { outcome: TaskOutcome; json?: string } {
  if (outcome.kind !== 'success') return { outcome };
  const json = JSON.stringify(outcome.data);
  const bytes = dataBytes(json);
  if (bytes <= MAX_DATA_BYTES) return { outcome, json };
  return {
    outcome: {
      kind: 'error',
      errorClass: 'WorkflowError::DataTooLarge',
      message: `The task's Data is ${(bytes / 1048576).toFixed(1)} MiB; at most 5 MiB is allowed.`,
    },
  };
}
