import type { Engine } from '../engine/engine.js';
import type { CompiledVersion } from '../engine/compiled-version.js';
import type { TraceParent } from '../engine/engine-observer.js';
import { InvalidRequestError, MissingInputsError } from '../model/errors.js';
import { readInputs, RESERVED_INPUT_NAMES } from '../model/inputs.js';
import type { RunRecord, RunState } from '../model/records.js';
import { requestDigest } from '../model/request-digest.js';
import type { TriggerTarget } from './workflow-catalog.js';

/** A request to run a workflow, from the trigger API or the management API. */
export interface RunRequest {
  mode: 'standard' | 'sync';
  /** Query string and body, merged, body winning. */
  params: Record<string, unknown>;
  idempotencyKey: string | null;
  runUser: string;
  /** The trigger request's trace, while tracing is on. */
  trace?: TraceParent | undefined;
}

/** What became of a run request; the API turns each into its status code. */
export type RunAnswer =
  | { kind: 'queued'; run: RunRecord; created: boolean }
  /** `/sync` of a workflow with a task that cannot run responsively: queued in standard mode (211). */
  | { kind: 'queued-not-responsive'; run: RunRecord }
  /** `/sync` past the responsive limit of this process, or the workflow's run limit: queued in standard mode (212). */
  | { kind: 'queued-over-limit'; run: RunRecord }
  | { kind: 'final'; run: RunState }
  /** The responsive timeout passed; the run goes on (408). */
  | { kind: 'timeout'; run: RunState };

const MAX_IDEMPOTENCY_KEY = 255;

/** Turns run requests into runs: checks the workflow's switches, reads inputs, starts the run. */
export class RunRequests {
  /** Responsive runs this process is executing and answering now. */
  private syncInFlight = 0;

  constructor(
    private readonly engine: Engine,
    private readonly syncTimeoutMs: number,
    /** Past this many responsive runs in flight, `/sync` queues in standard mode and answers 212. */
    private readonly syncConcurrency: number,
  ) {}

  /** Responsive runs in flight in this process (`/metrics`: `weir_sync_waiters_in_flight`). */
  get syncInFlightCount(): number {
    return this.syncInFlight;
  }

  /** Checks a target's switches in the contract's order. Throws `InvalidRequestError` (400). */
  runnableVersion(target: TriggerTarget, mode: 'standard' | 'sync'): CompiledVersion {
    if (target.workflow.status !== 'Active' || !target.version) {
      throw new InvalidRequestError('Inactive workflow definitions cannot be run.');
    }
    if (!target.settings?.calloutTrigger) {
      throw new InvalidRequestError('Callout mode is not turned on in this workflow.');
    }
    if (mode === 'sync' && !target.settings.syncTrigger) {
      throw new InvalidRequestError('Responsive mode is not turned on in this workflow.');
    }
    return target.version;
  }

  async run(target: TriggerTarget, request: RunRequest): Promise<RunAnswer> {
    const version = this.runnableVersion(target, request.mode);
    const reserved = RESERVED_INPUT_NAMES.find((name) => Object.hasOwn(request.params, name));
    if (reserved !== undefined) {
      throw new InvalidRequestError(`'${reserved}' is a reserved name and cannot be used as a parameter.`, reserved);
    }
    if (
      request.idempotencyKey !== null &&
      (request.idempotencyKey.length > MAX_IDEMPOTENCY_KEY || request.idempotencyKey === '')
    ) {
      throw new InvalidRequestError(
        `The Idempotency-Key header must be 1 to ${MAX_IDEMPOTENCY_KEY} characters.`,
        'Idempotency-Key',
      );
    }
    const { inputs, problems } = readInputs(version.inputs, request.params);
    const missing = problems.flatMap((p) =>
      p.kind === 'missing'
        ? [
            `Required field for ${p.declaration.objectName}-${p.declaration.fieldName} does not have a set value. ` +
              `Ensure parameter '${p.declaration.requestName}' is present.`,
          ]
        : [],
    );
    if (missing.length > 0) throw new MissingInputsError(missing, request.params);
    const invalid = problems.flatMap((p) => (p.kind === 'invalid' ? [{ field: p.field, title: p.title }] : []));
    const [first, ...more] = invalid;
    if (first) throw new InvalidRequestError(first.title, first.field, more);

    const start = {
      version,
      priority: target.settings?.priority ?? 'Medium',
      inputs,
      runUser: request.runUser,
      idempotencyKey: request.idempotencyKey,
      // What the caller sent (query and body merged), not what was kept of it: a repeat that differs
      // only in an undeclared parameter is still another request.
      idempotencyDigest: request.idempotencyKey === null ? null : requestDigest(request.params),
      hasRunLimit: (target.settings?.concurrentRunLimit ?? null) !== null,
      trace: request.trace,
    };
    if (request.mode === 'standard') {
      const { run, created } = await this.engine.startRun(start);
      return { kind: 'queued', run, created };
    }
    if (!version.isResponsive) {
      const { run } = await this.engine.startRun(start);
      return { kind: 'queued-not-responsive', run };
    }
    if (this.syncInFlight >= this.syncConcurrency || (await this.isAtRunLimit(target))) {
      const { run } = await this.engine.startRun(start);
      return { kind: 'queued-over-limit', run };
    }
    this.syncInFlight += 1;
    try {
      const { run, outcome } = await this.engine.startSyncRun(start, this.syncTimeoutMs);
      const final = await outcome;
      return final ? { kind: 'final', run: final } : { kind: 'timeout', run };
    } finally {
      this.syncInFlight -= 1;
    }
  }

  /**
   * True when the workflow has a `concurrent_run_limit` and that many runs are in flight: a responsive
   * run would exceed it, so it is queued in standard mode (212) and waits for a slot like the others.
   */
  private async isAtRunLimit(target: TriggerTarget): Promise<boolean> {
    const limit = target.settings?.concurrentRunLimit ?? null;
    if (limit === null) return false;
    return (await this.engine.countActiveRuns(target.workflow.id)) >= limit;
  }
}
