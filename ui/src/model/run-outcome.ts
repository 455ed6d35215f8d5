import type { RunDetail, TaskInstance } from '../api/types';

/** A run's outcome in one line: a tone for its colour, a headline word and a sentence saying why. */
export interface RunOutcomeLine {
  tone: 'success' | 'error' | 'running' | 'waiting' | 'queued' | 'stopped';
  headline: string;
  explanation: string;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The instances nothing replaced: each task's last attempt (a rerun replaces the one it reran). */
function latestInstances(instances: readonly TaskInstance[]): TaskInstance[] {
  return instances.filter((i) => !i.rerun_by);
}

/**
 * Explains status and result together, so "Finished" beside "Error" is one statement: finished,
 * and why the result is what it is (which task failed unhandled, or that failures were handled).
 */
export function describeOutcome(run: RunDetail, instances: readonly TaskInstance[] | undefined): RunOutcomeLine {
  const list = instances ?? [];
  const latest = latestInstances(list);
  const failedNow = latest.filter((i) => i.status === 'Error');
  const failedEver = list.filter((i) => i.status === 'Error').length;
  const names = (items: readonly TaskInstance[]) =>
    items
      .slice(0, 3)
      .map((i) => `“${i.name}”`)
      .join(', ') + (items.length > 3 ? ` and ${items.length - 3} more` : '');
  const counts = run.tasks;
  switch (run.status) {
    case 'Finished':
      if (run.result === 'Error') {
        const message = run.error?.replace(/\.$/, '');
        const reason = run.error_class ? ` (${run.error_class}${message ? `: ${message}` : ''})` : '';
        return {
          tone: 'error',
          headline: 'Failed',
          explanation:
            failedNow.length > 0
              ? `The run finished, but ${names(failedNow)} failed and no Failure linkage handled it${reason}. Rerun ${failedNow.length === 1 ? 'it' : 'them'} below to repair the run.`
              : `The run finished with the result Error${reason}.`,
        };
      }
      {
        const repaired = list.filter((i) => i.status === 'Error' && i.rerun_by).length;
        const handled = failedEver - repaired;
        const parts = [
          repaired > 0 ? `${plural(repaired, 'failed task instance')} repaired by a rerun` : '',
          handled > 0 ? `${plural(handled, 'failure')} handled by a Failure linkage` : '',
        ].filter(Boolean);
        return {
          tone: 'success',
          headline: 'Succeeded',
          explanation:
            parts.length > 0
              ? `The run finished with the result Success: ${parts.join(', ')}.`
              : `The run finished with the result Success: ${plural(counts.success, 'task')} succeeded.`,
        };
      }
    case 'Processing':
      return {
        tone: 'running',
        headline: 'Running',
        explanation: `${plural(counts.success + counts.error + counts.stopped, 'task')} done, ${counts.processing} running, ${counts.queued + counts.pending} waiting.`,
      };
    case 'Pending': {
      const waiting = latest.filter((i) => i.status === 'Pending');
      const what = waiting[0]?.waiting_on ? ` (waiting on ${waiting[0].waiting_on})` : '';
      return {
        tone: 'waiting',
        headline: 'Waiting',
        explanation:
          waiting.length > 0
            ? `The run waits for ${names(waiting)}${what}; it goes on by itself.`
            : 'The run waits for a task to be due again; it goes on by itself.',
      };
    }
    case 'Queued':
      return { tone: 'queued', headline: 'Queued', explanation: 'The run waits for a worker to start it.' };
    case 'Stopping':
      return {
        tone: 'stopped',
        headline: 'Stopping',
        explanation: 'The run was stopped: no new task starts, and the running ones are winding down.',
      };
    case 'Stopped':
      return {
        tone: 'stopped',
        headline: 'Stopped',
        explanation: `The run was stopped before it finished; ${plural(counts.success, 'task')} had succeeded.`,
      };
  }
}
