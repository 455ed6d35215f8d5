import crypto from 'node:crypto';
import type { JsonObject, JsonValue, RunRecord, RunState } from '../model/records.js';
import type { TaskDefinition } from '../model/workflow-document.js';
import type { MailSender, SubRunStarter, TaskContext, TaskOutcome, TaskType } from '../tasks/task-type.js';
import { checkSize } from './data-size.js';

/**
 * "Test this task" (issue 13): one attempt of one task with sample `Data`, executed as a run would
 * execute it — the same task type and prepared parameters, the engine's `fetch` (egress policy), mail,
 * sandbox and template limits, the `GlobalConstants` scope — but outside any run: nothing is stored,
 * no successor starts. Waits a run would make are reported, not waited for (a Delay's due time, an
 * Approval, a retry), except a called workflow's run, which is waited for a while (it is a real run).
 */

/** What a test needs from the engine. */
export interface TaskTestDependencies {
  now: () => number;
  fetch: typeof fetch;
  mail: MailSender | null;
  globalConstants?: () => Promise<Record<string, JsonValue>>;
  /** Starts runs for an Execute::WorkflowTask, as started by `caller` (never waited on by a task instance). */
  subRuns: (caller: Pick<RunRecord, 'name' | 'depth' | 'priority'>) => SubRunStarter;
  /** Resolves with the run once it is final, or undefined after `timeoutMs`. */
  waitForRun: (runId: number, timeoutMs: number) => Promise<RunState | undefined>;
}

/** One task to test. */
export interface TaskTestRequest {
  workflowId: number;
  /** The task as it would run: its definition, type and prepared parameters. */
  task: { definition: TaskDefinition; type: TaskType; prepared: unknown };
  data: JsonObject;
  /** Who asks; a called workflow's run shows it as its `WorkflowRunUser`. */
  requestedBy: string;
  priority: RunRecord['priority'];
  /** Aborted when the caller goes away: an attempt in flight (a callout) is cut off. */
  signal: AbortSignal;
  /** How long the run of a called workflow is waited for before answering `Pending`. */
  subRunWaitMs: number;
}

/** What one test gave. */
export interface TaskTestResult {
  status: 'Success' | 'Error' | 'Pending';
  /** The hook a run would fire next (`Failure` for an error), or null while waiting. */
  hook: string | null;
  dataOut: JsonObject | null;
  log: string | null;
  error: { errorClass: string; message: string; details: string | null } | null;
  waitingOn: string | null;
  dueAt: number | null;
  /** An Iterate's first For Each branches (their `Data`). */
  branches: JsonObject[] | null;
  /** The run an Execute::WorkflowTask started. */
  subRunId: number | null;
  /** A response task's answer (what `/sync` would answer), with the run's result it sets. */
  response: { code: number; body: JsonValue; runResult: 'Success' | 'Error' } | null;
  startedAt: number;
  endedAt: number;
}

export async function testTask(deps: TaskTestDependencies, request: TaskTestRequest): Promise<TaskTestResult> {
  const startedAt = deps.now();
  const { definition } = request.task;
  const globalConstants = deps.globalConstants ? await deps.globalConstants() : undefined;
  const logLines: string[] = [];
  const caller = {
    name: `Test of task "${definition.name}" by ${request.requestedBy}`,
    depth: 0,
    priority: request.priority,
  };
  const starter = deps.subRuns(caller);
  // A test has no task instance to wake: a called run is started unattached and waited for here.
  const workflows: SubRunStarter = { start: (r) => starter.start({ ...r, wait: false }), get: (id) => starter.get(id) };
  const key = `test-${crypto.randomUUID()}`;
  const attempt = (state: JsonObject | null): Promise<TaskOutcome> => {
    const data = structuredClone(request.data);
    const context: TaskContext = {
      prepared: request.task.prepared,
      task: definition,
      data,
      scope: {
        Data: data,
        WorkflowInstance: {
          id: null,
          name: caller.name,
          status: 'Processing',
          created_at: new Date(startedAt).toISOString(),
          original_workflow_id: request.workflowId,
        },
        TaskInstance: { id: null, name: definition.name, attempt: 1 },
        ...(globalConstants ? { GlobalConstants: globalConstants } : {}),
      },
      state,
      attempt: 1,
      iterationsDone: 0,
      idempotencyKey: key,
      runId: 0,
      taskInstanceId: 0,
      signal: request.signal,
      now: deps.now,
      fetch: deps.fetch,
      log: (line) => logLines.push(line),
      mail: deps.mail,
      workflows,
    };
    // A task type that throws has a bug; the test still gets an answer, as a run would.
    return request.task.type.execute(context).catch((): TaskOutcome => ({
      kind: 'error',
      errorClass: 'WorkflowError::Internal',
      message: 'The task failed unexpectedly.',
    }));
  };
  let outcome = await attempt(null);
  let subRunId: number | null = null;
  if (outcome.kind === 'wait' && outcome.waitingOn === 'sub_run' && typeof outcome.state['runId'] === 'number') {
    subRunId = outcome.state['runId'];
    const ended = await deps.waitForRun(subRunId, request.subRunWaitMs);
    if (ended && !request.signal.aborted) outcome = await attempt(outcome.state);
  }
  const log = logLines.length > 0 ? `${logLines.join('\n')}\n` : null;
  return { ...resultOf(checkSize(outcome).outcome, request.data), log, subRunId, startedAt, endedAt: deps.now() };
}

type OutcomeFields = Omit<TaskTestResult, 'log' | 'subRunId' | 'startedAt' | 'endedAt'>;

function resultOf(outcome: TaskOutcome, input: JsonObject): OutcomeFields {
  const quiet = { error: null, waitingOn: null, dueAt: null, branches: null, response: null };
  switch (outcome.kind) {
    case 'success':
      return {
        ...quiet,
        status: 'Success',
        hook: outcome.hook ?? 'Success',
        dataOut: outcome.data,
        response: outcome.response ?? null,
      };
    case 'error':
      return {
        ...quiet,
        status: 'Error',
        hook: 'Failure',
        dataOut: outcome.data ?? input,
        error: { errorClass: outcome.errorClass, message: outcome.message, details: outcome.details ?? null },
      };
    case 'wait':
      return {
        ...quiet,
        status: 'Pending',
        hook: null,
        dataOut: outcome.data ?? input,
        waitingOn: outcome.waitingOn ?? (outcome.isRetry ? 'retry' : 'delay'),
        dueAt: outcome.dueAt,
      };
    case 'fan-out':
      return {
        ...quiet,
        status: 'Pending',
        hook: outcome.hook,
        dataOut: input,
        waitingOn: 'iterations',
        // The branches a run would start now, each with its item in `Data.<key>`.
        branches: (outcome.items ?? [])
          .slice(outcome.firstIndex, outcome.firstIndex + outcome.count)
          .map((item) => ({ ...input, [outcome.key]: item })),
      };
  }
}
