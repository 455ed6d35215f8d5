import type { JsonObject, JsonValue, RunState, TaskInstanceRecord } from '../model/records.js';
import type { TemplateScope } from '../template/template-engine.js';
import type { MailSender, SubRunStarter, TaskContext } from '../tasks/task-type.js';
import type { CompiledTask } from './compiled-version.js';
import type { LazyAbort } from './lazy-abort.js';
import { workflowInstanceScope } from './run-data.js';

/** What the executor hands over to make one attempt's context. */
export interface TaskContextParts {
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
}

/** What one attempt of a task instance sees: its Data (the attempt's own copy), the Liquid scopes, its tools. */
export function taskContext(parts: TaskContextParts): TaskContext {
  return new AttemptContext(parts);
}

/**
 * A class, not an object literal: one is made per attempt, and the lazy `signal` is a getter on the
 * prototype, where a literal's getter is a new closure (and a slower object) each time.
 */
class AttemptContext implements TaskContext {
  readonly prepared: unknown;
  readonly task: TaskContext['task'];
  readonly data: JsonObject;
  readonly scope: TemplateScope;
  readonly state: JsonObject | null;
  readonly attempt: number;
  readonly iterationsDone: number;
  readonly idempotencyKey: string;
  readonly runId: number;
  readonly taskInstanceId: number;
  readonly now: () => number;
  readonly fetch: typeof fetch;
  readonly log: (line: string) => void;
  readonly mail: MailSender | null;
  readonly workflows: SubRunStarter;
  readonly #abort: LazyAbort;

  constructor(parts: TaskContextParts) {
    const { task, data, run, instance, globalConstants } = parts;
    this.prepared = task.prepared;
    this.task = task.definition;
    this.data = data;
    this.scope = {
      Data: data,
      WorkflowInstance: workflowInstanceScope(run),
      TaskInstance: { id: instance.id, name: instance.name, attempt: instance.attempt },
      ...(globalConstants ? { GlobalConstants: globalConstants } : {}),
    };
    this.state = instance.state;
    this.attempt = instance.attempt;
    this.iterationsDone = instance.iterationsDone;
    this.idempotencyKey = `${run.id}:${instance.id}:${instance.attempt}`;
    this.runId = run.id;
    this.taskInstanceId = instance.id;
    this.now = parts.now;
    this.fetch = parts.fetch;
    this.log = parts.log;
    this.mail = parts.mail;
    this.workflows = parts.workflows;
    this.#abort = parts.abort;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }
}
