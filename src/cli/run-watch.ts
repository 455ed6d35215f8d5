import { setTimeout as sleep } from 'node:timers/promises';
import { isRecord, type WeirApiClient } from './api-client.js';
import { ExitCode } from './exit-codes.js';
import { printJson, printLine, text } from './output.js';

/** Run statuses after which nothing changes any more (except by a rerun). */
const FINAL_STATUSES = new Set(['Finished', 'Stopped']);

export interface WatchOptions {
  /** Poll interval; default 500 ms. */
  intervalMs?: number;
  /** Print the final run as JSON instead of a sentence. */
  isJson?: boolean;
}

/** `done/total` of a run detail's task counts, and what is being worked on. */
function progressLine(run: Record<string, unknown>, current: string | null): string {
  const tasks = isRecord(run.tasks) ? run.tasks : {};
  const count = (key: string): number => (typeof tasks[key] === 'number' ? tasks[key] : 0);
  const done = count('success') + count('error') + count('stopped');
  const parts = [`run ${text(run, 'id')} ${text(run, 'status')}`, `${done}/${count('total')} tasks done`];
  if (count('error') > 0) parts.push(`${count('error')} failed`);
  if (current) parts.push(current);
  return parts.join(', ');
}

/** The task instance being worked on (Processing first, else one waiting), as `current: Name (Type)`. */
async function currentTask(client: WeirApiClient, runId: number): Promise<string | null> {
  for (const status of ['Processing', 'Pending', 'Queued'] as const) {
    const answer = await client.call('GET', '/workflows/tasks', {
      query: { workflow_id: runId, status, page_length: 1 },
    });
    const first = isRecord(answer) && Array.isArray(answer.data) ? answer.data[0] : undefined;
    if (isRecord(first)) {
      const word = status === 'Processing' ? 'current' : status === 'Pending' ? 'waiting' : 'next';
      const waitingOn = status === 'Pending' && typeof first.waiting_on === 'string' ? `, on ${first.waiting_on}` : '';
      return `${word}: ${text(first, 'name')} (${text(first, 'action_type')}${waitingOn})`;
    }
  }
  return null;
}

/**
 * Polls a run until it is final, writing its progress to stderr (one line per change; on a terminal,
 * one line rewritten in place), then prints the final run on stdout. Returns the exit code: 0 when the
 * run finished with result Success, 1 when it ended with result Error or was stopped.
 */
export async function watchRun(client: WeirApiClient, runId: number, options: WatchOptions = {}): Promise<ExitCode> {
  const intervalMs = options.intervalMs ?? 500;
  const isTerminal = process.stderr.isTTY === true;
  let previous = '';
  for (;;) {
    const run = await client.call('GET', `/workflows/workflow_runs/${runId}`);
    if (!isRecord(run)) throw new Error(`GET /workflows/workflow_runs/${runId} answered no object`);
    const isFinal = FINAL_STATUSES.has(String(run.status));
    const line = progressLine(run, isFinal ? null : await currentTask(client, runId));
    if (line !== previous) {
      process.stderr.write(isTerminal ? `\r\x1b[2K${line}` : `${line}\n`);
      previous = line;
    }
    if (isFinal) {
      if (isTerminal) process.stderr.write('\n');
      if (options.isJson) printJson(run);
      else printLine(finalSentence(run));
      return run.status === 'Finished' && run.result !== 'Error' ? ExitCode.Ok : ExitCode.Failed;
    }
    await sleep(intervalMs);
  }
}

/** `Run 12 (WF-3-00000012) Finished with result Success: 3 tasks, 0 failed, 0.42 s.` (run detail in, sentence out) */
export function finalSentence(run: Record<string, unknown>): string {
  const tasks = isRecord(run.tasks) ? run.tasks : {};
  const outcome = run.status === 'Finished' ? `Finished with result ${text(run, 'result')}` : text(run, 'status');
  const error = typeof run.error === 'string' ? ` Error: ${run.error}` : '';
  const total = text(tasks, 'total');
  return (
    `Run ${text(run, 'id')} (${text(run, 'name')}) ${outcome}: ${total} task${total === '1' ? '' : 's'}, ` +
    `${text(tasks, 'error')} failed, ${text(run, 'runTime')} s.${error}`
  );
}
