import type { JsonObject, JsonValue, RunState, TaskInstanceRecord } from '../model/records.js';
import type { MailSender, SubRunStarter, TaskContext } from '../tasks/task-type.js';
import type { CompiledTask } from './compiled-version.js';
import type { LazyAbort } from './lazy-abort.js';
import { workflowInstanceScope } from './run-data.js';

/** What one attempt of a task instance sees: its Data (the attempt's own copy), the Liquid scopes, its tools. */
export function taskContext(parts: {
  task: CompiledTask;
  /** The attempt's own shallow copy of its input `Data`. */
  data: JsonObject;
  run: RunState;
  instance: TaskInstanceRecord;
  /** The attempt's abort: its signal is made only when the task reads it. */
  abort: LazyAbort;
  now: () => number;
  fetch: typeof fetch;
  log: (line: string) => void;
  mail: MailSender | null;
  workflows: SubRunStarter;
  /** The tenant's `GlobalConstants` scope, secrets opened; undefined: none. */
  globalConstants: Record<string, JsonValue> | undefined;
}): TaskContext {
  const { task, data, run, instance, globalConstants } = parts;
  return {
    prepared: task.prepared,
    task: task.definition,
    data,
    scope: {
      Data: data,
      WorkflowInstance: workflowInstanceScope(run),
      TaskInstance: { id: instance.id, name: instance.name, attempt: instance.attempt },
      ...(globalConstants ? { GlobalConstants: globalConstants } : {}),
    },
    state: instance.state,
    attempt: instance.attempt,
    iterationsDone: instance.iterationsDone,
    idempotencyKey: `${run.id}:${instance.id}:${instance.attempt}`,
    runId: run.id,
    taskInstanceId: instance.id,
    get signal() {
      return parts.abort.signal;
    },
    now: parts.now,
    fetch: parts.fetch,
    log: parts.log,
    mail: parts.mail,
    workflows: parts.workflows,
  };
}
