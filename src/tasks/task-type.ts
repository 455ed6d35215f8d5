import type { JsonObject, JsonValue, RunResponse } from '../model/records.js';
import type { TaskDefinition } from '../model/workflow-document.js';
import type { CompiledJsonata, CompiledLiquid, LiquidOptions, TemplateScope } from '../template/template-engine.js';

/**
 * A task type: one file each under src/tasks, registered in registry.ts.
 * `prepare` runs once per version (at import and when the version is loaded), so that the hot path
 * never parses a template; `execute` runs once per attempt of a task instance.
 */
export interface TaskType<Prepared = unknown> {
  /** The reference's `action_type`, e.g. `Callout`, `Logic::Liquid`. */
  readonly actionType: string;
  /** Hooks this type can fire besides `Failure` (which every type has). */
  readonly hooks: readonly string[];
  /** Hooks that must have a linkage: import refuses the task without one (naming it). */
  readonly requiredHooks?: readonly string[];
  /** Whether a responsive (`/sync`) run may contain it. `Delay` may not: such runs are queued (211). */
  readonly isResponsive: boolean;
  /**
   * False when an attempt touches nothing outside Weir (no HTTP, mail or new run): such a task may run
   * while its responsive run is only in memory (`engine/run-draft.ts`; its outcome is written with the
   * run or not at all). Absent: true, so a new task type waits until its run is stored unless it says otherwise.
   */
  readonly hasSideEffects?: boolean;
  /**
   * Checks and compiles the task's parameters. Throws `TaskParameterError` naming the parameter
   * when they are unusable; the import is then rejected with 400.
   */
  prepare(task: TaskDefinition, tools: PrepareTools): Prepared;
  /** Runs one attempt. Expected failures are returned as `{kind: 'error'}`, never thrown. */
  execute(ctx: TaskContext<Prepared>): Promise<TaskOutcome>;
}

/** What `prepare` may use: the template compilers. */
export interface PrepareTools {
  liquid(source: string, options: LiquidOptions): CompiledLiquid;
  jsonata(expression: string): CompiledJsonata;
}

/** Everything a task attempt may touch. Tasks import neither engine nor store. */
export interface TaskContext<Prepared = unknown> {
  readonly prepared: Prepared;
  readonly task: TaskDefinition;
  /**
   * A private shallow copy of the task instance's input `Data`: set, replace or delete its top-level keys
   * and return it. The values below are shared with other task instances (and the engine's cache) and
   * must never be changed in place: copy what you change (`{ ...value, key }`, `[...list, item]`). The
   * engine finds what the task changed by reference (model/data-patch.ts), so an in-place change would be
   * lost, and would leak into the `Data` of other instances. Unit tests give tasks frozen values.
   */
  readonly data: JsonObject;
  /** Liquid scopes for this attempt (`Data` is `data` above). */
  readonly scope: TemplateScope;
  /** State the task kept from its previous attempt (`{kind: 'wait', state}`), or null. */
  readonly state: JsonObject | null;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** For a task that fanned out branches: how many of them have ended. */
  readonly iterationsDone: number;
  /** `<runId>:<taskInstanceId>:<attempt>`: callouts send it as `Idempotency-Key`. */
  readonly idempotencyKey: string;
  readonly runId: number;
  readonly taskInstanceId: number;
  /** Aborted when the run is stopped or the node shuts down. */
  readonly signal: AbortSignal;
  /** Injectable clock (epoch ms). */
  now(): number;
  /** HTTP client (global fetch unless the engine is given another). */
  fetch: typeof fetch;
  /** Appends a line to the task instance's log. Never log secrets. */
  log(line: string): void;
  /** Sends mail (the `Email` task); null when no SMTP server is configured (`WEIR_SMTP_URL`). */
  readonly mail: MailSender | null;
  /** Starts runs of other workflows (the `Execute::WorkflowTask` task). */
  readonly workflows: SubRunStarter;
}

/** An e-mail as the `Email` task sends it. */
export interface MailMessage {
  from: string | null;
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo: string | null;
  subject: string;
  /** HTML body. */
  html: string;
}

/** Sends mail; implemented over SMTP outside the tasks layer. */
export interface MailSender {
  /** Resolves when the server accepted the message; rejects with the server's reason otherwise. */
  send(message: MailMessage): Promise<{ messageId: string; accepted: string[] }>;
}

/** Starts runs of other workflows on behalf of a task instance (Execute::WorkflowTask), and reads them. */
export interface SubRunStarter {
  /**
   * Starts a standard run of workflow `workflowId`'s active version with `inputs` (request parameters,
   * as a trigger would send them). With `wait`, this task instance is woken when that run ends.
   * Throws `SubRunError` when the workflow cannot be run, the inputs are bad or runs nest too deep.
   */
  start(request: { workflowId: number; inputs: Record<string, unknown>; wait: boolean }): Promise<SubRunSummary>;
  /** The run as it is now, or undefined if it does not exist. */
  get(runId: number): Promise<SubRunSummary | undefined>;
}

/** What a task sees of a sub-run. */
export interface SubRunSummary {
  id: number;
  name: string;
  workflowId: number;
  status: string;
  isFinal: boolean;
  result: 'Success' | 'Error' | null;
  /** The answer of its response task, when one ran. */
  formatterResponse: { code: number; body: JsonValue } | null;
  /** The `Data` of its last task, when it finished without a response task. */
  lastData: JsonValue | null;
  errorClass: string | null;
  errorMessage: string | null;
}

/** A sub-run that cannot start: unknown or inactive workflow, bad inputs, recursion too deep. */
export class SubRunError extends Error {
  override readonly name = 'SubRunError';
}

/** The result of one attempt. */
export type TaskOutcome = TaskSuccess | TaskFailure | TaskWait | TaskFanOut;

export interface TaskSuccess {
  kind: 'success';
  /** The hook to fire; `Success` when omitted. */
  hook?: string;
  /** The `Data` handed to the next tasks. */
  data: JsonObject;
  /** A response task's answer for `/sync`, with the run's result. */
  response?: RunResponse & { runResult: 'Success' | 'Error' };
}

export interface TaskFailure {
  kind: 'error';
  /** e.g. `WorkflowError::Callout`. */
  errorClass: string;
  /** A sentence a person can act on. */
  message: string;
  details?: string;
  /** `Data` at the time of failure (defaults to the input `Data`); the failure branch starts from it. */
  data?: JsonObject;
}

export interface TaskWait {
  kind: 'wait';
  /**
   * When the task instance is due again (epoch ms); it is `Pending` until then, durably. Null: until
   * something wakes it (an approval decision, the end of a sub-run).
   */
  dueAt: number | null;
  /** What it waits for; `retry` or `delay` by default, from `isRetry`. */
  waitingOn?: 'delay' | 'retry' | 'approval' | 'sub_run';
  /** Kept and handed back in `ctx.state` on the next attempt. */
  state: JsonObject;
  data?: JsonObject;
  /** Whether the next attempt counts as a new attempt (retries do; a delay's wake-up does not). */
  isRetry: boolean;
}

/**
 * Starts branches (Iterate's `For Each`): one per item, numbered from `firstIndex`, each starting from
 * the task's `Data` with `Data.<key>` set to its item. The task instance then waits (`Pending`) and is run
 * again each time one of its branches ends, with `ctx.iterationsDone` counting the ended ones.
 */
export interface TaskFanOut {
  kind: 'fan-out';
  hook: string;
  /** The `Data` key each branch's item goes into. */
  key: string;
  /**
   * On the first attempt: every item (or chunk), in order. The engine stores them once and reads back only
   * those it starts, so later attempts leave this out and the state keeps a cursor, not the items.
   */
  items?: JsonValue[];
  /** The branches to start now: those of items `firstIndex` to `firstIndex + count - 1`. */
  firstIndex: number;
  count: number;
  /** Kept for the next attempt (`ctx.state`). */
  state: JsonObject;
  /** What the attempt comes to when `hook` has no linkage (no branch would ever run, or end). */
  ifHookUnlinked: TaskSuccess;
}

/** Unusable task parameters, found at import. */
export class TaskParameterError extends Error {
  override readonly name = 'TaskParameterError';
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

export type { JsonValue };

/**
 * A destination the egress policy refuses (a loopback, private or link-local address, too many
 * redirects). `TaskContext.fetch` and `MailSender.send` reject with it, or with an error whose
 * `cause` it is. Not worth retrying: the same URL is refused again.
 */
export class EgressRefusedError extends Error {
  override readonly name = 'EgressRefusedError';
}

/** Whether `error` is, or was caused by, an `EgressRefusedError`. */
export function isEgressRefusal(error: unknown): error is Error {
  return error instanceof EgressRefusedError || (error instanceof Error && error.cause instanceof EgressRefusedError);
}
