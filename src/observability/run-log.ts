import type { Logger } from 'pino';
import type { ObservedAttempt, RunOrigin } from '../engine/engine-observer.js';
import type { RunRecord } from '../model/records.js';

/**
 * The run log: one structured line per run start, task error, retry and run finish (docs/operations.md,
 * "Logs", lists them with their fields). Every line names the workflow, the run (id and its number,
 * e.g. `WF-6-00000001`) and, for a task, the task instance; none carries `Data`, inputs or parameters,
 * so no secret can reach it. The levels are read once: the log level is fixed at start, and a
 * level that is off costs one boolean test, not a line object.
 */
export class RunLog {
  private readonly isInfo: boolean;
  private readonly isWarn: boolean;

  constructor(private readonly log: Logger) {
    this.isInfo = log.isLevelEnabled('info');
    this.isWarn = log.isLevelEnabled('warn');
  }

  /** `info` "run started". */
  runStarted(run: RunRecord, origin: RunOrigin): void {
    if (!this.isInfo) return;
    this.log.info(
      { workflowId: run.workflowId, runId: run.id, runName: run.name, versionId: run.versionId, mode: origin },
      'run started',
    );
  }

  /** "run finished": `info`, or `warn` when its result is `Error`. */
  runFinished(run: RunRecord): void {
    const isError = run.result === 'Error' && run.status !== 'Stopped';
    if (!(isError ? this.isWarn : this.isInfo)) return;
    const fields = {
      workflowId: run.workflowId,
      runId: run.id,
      runName: run.name,
      status: run.status,
      result: run.result,
      durationMs: run.finishedAt === null ? null : run.finishedAt - run.createdAt,
      // pino leaves out undefined fields: a run without a failure has no error fields (and no object spread).
      errorClass: run.errorClass ?? undefined,
      errorMessage: run.errorClass === null ? undefined : run.errorMessage,
    };
    if (isError) this.log.warn(fields, 'run finished');
    else this.log.info(fields, 'run finished');
  }

  /**
   * "task instance failed" (`warn`; `info` when a Failure branch handles it) and "task instance will
   * retry" (`info`), from the outcome as written: an attempt whose outcome was not written (its
   * lease was lost, the node stopped) is another node's to report.
   */
  taskEnded(attempt: ObservedAttempt): void {
    const recorded = attempt.recorded;
    if (recorded === undefined) return;
    if (recorded.status === 'Error' && recorded.error) {
      const isHandled = recorded.isUnhandledError !== true;
      if (!(isHandled ? this.isInfo : this.isWarn)) return;
      const fields = {
        ...this.taskFields(attempt),
        errorClass: recorded.error.errorClass,
        errorMessage: recorded.error.message,
        isHandled,
      };
      if (isHandled) this.log.info(fields, 'task instance failed');
      else this.log.warn(fields, 'task instance failed');
      return;
    }
    if (recorded.status === 'Pending' && recorded.isRetry === true && this.isInfo) {
      const reason = recorded.state?.['lastFailure'];
      this.log.info(
        {
          ...this.taskFields(attempt),
          dueAt: recorded.dueAt ? new Date(recorded.dueAt).toISOString() : null,
          ...(typeof reason === 'string' ? { reason } : {}),
        },
        'task instance will retry',
      );
    }
  }

  private taskFields(attempt: ObservedAttempt): Record<string, unknown> {
    const { instance, run } = attempt;
    return {
      workflowId: instance.workflowId,
      runId: instance.runId,
      runName: run?.name ?? null,
      taskInstanceId: instance.id,
      taskId: instance.taskId,
      task: instance.name,
      actionType: instance.actionType,
      attempt: instance.attempt,
    };
  }
}
