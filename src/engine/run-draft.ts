import type { RunRecord, RunState, TaskInstanceRecord } from '../model/records.js';
import { DraftTransaction, NotInDraftError } from '../store/draft-transaction.js';
import type { Notifier } from '../store/notifier.js';
import type { QueueStore, QueueTransaction, RunDraftStart } from '../store/queue-store.js';

/** The draft of a run could not be written: the run does not exist, and was never answered. */
export class DraftLostError extends Error {
  constructor(runId: number, cause: unknown) {
    super(`run ${runId} could not be stored`, { cause });
    this.name = 'DraftLostError';
  }
}

export interface RunDraftOptions {
  queue: QueueStore;
  notifier: Notifier;
  leaseMs: number;
  now: () => number;
}

/**
 * A responsive run executed in this process from memory, and written to the store once, as it is then,
 * when it must exist there (docs/architecture.md, "A responsive run written once"):
 * - when it is final, before anyone is told (its `/sync` answer, `run-finished`);
 * - before a task with side effects starts (no side effect for a run that is not stored);
 * - when nothing in this process moves it on any more (it waits on a delay, a retry, a queue);
 * - when a primitive it needs is not kept in memory (`NotInDraftError`: Iterate items, `Data` reads);
 * - before its caller is answered that it goes on (the `/sync` timeout) and before shutdown releases it.
 * Until then a crash loses it whole, and nobody was answered about it. Its queue transactions run one
 * at a time, in memory (all-or-nothing: restored when one throws) until it is written, in the store after.
 */
export class RunDraft {
  readonly run: RunRecord;
  readonly instances: TaskInstanceRecord[];
  /** Rejects with `DraftLostError` when the write failed; never settles otherwise. */
  readonly lost: Promise<never>;
  private readonly memory: DraftTransaction;
  private written: Promise<void> | null = null;
  private isDurable = false;
  private turn: Promise<unknown> = Promise.resolve();
  private markLost: (error: DraftLostError) => void = () => undefined;

  constructor(
    private readonly start: RunDraftStart,
    heldBy: { nodeId: string; leaseUntil: number },
    private readonly options: RunDraftOptions,
  ) {
    this.run = start.run;
    this.instances = start.instances;
    this.memory = new DraftTransaction(start.run, start.instances, heldBy, () => start.nextTaskInstanceId());
    this.lost = new Promise<never>((_resolve, reject) => {
      this.markLost = reject;
    });
    // Raced by whoever waits for the run; this keeps a loss nobody waits for from being unhandled.
    this.lost.catch(() => undefined);
  }

  /** Whether the run's write started: its transactions go to the store from now on. */
  get isWritten(): boolean {
    return this.written !== null;
  }

  /** Whether the run's write committed: its rows are in the store (and their leases renewable). */
  get isStored(): boolean {
    return this.isDurable;
  }

  /** One queue transaction of the run: in memory while it is a draft, in the store once written. */
  transaction<T>(work: (tx: QueueTransaction) => Promise<T>): Promise<T> {
    const result = this.turn.then(() => this.inTurn(work));
    this.turn = result.catch(() => undefined);
    return result;
  }

  /** Writes the run now (once; later calls wait for the same write). Resolves when it is durable. */
  write(): Promise<void> {
    if (this.written) return this.written;
    const result = this.turn.then(() => this.writeNow());
    this.turn = result.catch(() => undefined);
    return result;
  }

  private async inTurn<T>(work: (tx: QueueTransaction) => Promise<T>): Promise<T> {
    if (this.written) {
      await this.written;
      return this.options.queue.transaction(work);
    }
    const saved = this.memory.snapshot();
    let result: T;
    try {
      result = await work(this.memory);
    } catch (error) {
      this.memory.restore(saved);
      if (!(error instanceof NotInDraftError)) throw error;
      await this.writeNow();
      return this.options.queue.transaction(work);
    }
    // Final, or waiting on something no execution here will bring: the store must have it.
    if (!this.memory.hasProcessing()) await this.writeNow();
    return result;
  }

  private writeNow(): Promise<void> {
    if (this.written) return this.written;
    const { now, leaseMs } = this.options;
    const rows = this.memory.rows();
    // The hold starts again when it is stored: the lease keeper renews it from then on.
    const leaseUntil = now() + leaseMs;
    const instances = rows.instances.map(({ record, heldBy }) => ({
      record,
      heldBy: heldBy && { nodeId: heldBy.nodeId, leaseUntil },
    }));
    this.written = this.start.write({ ...rows, instances }).then(
      () => {
        this.isDurable = true;
        this.announceWaitingWork();
      },
      (error: unknown) => {
        const lost = new DraftLostError(this.run.id, error);
        this.markLost(lost);
        throw lost;
      },
    );
    return this.written;
  }

  /** Work the run left for claimers (a queued or due instance, one due later) reaches them now it is stored. */
  private announceWaitingWork(): void {
    const { isDueNow, dueTimes } = this.memory.waitingWork();
    const now = this.options.now();
    if (isDueNow || dueTimes.some((at) => at <= now)) this.options.notifier.publish({ kind: 'new-work' });
    for (const at of dueTimes) if (at > now) this.options.notifier.publish({ kind: 'work-due', at });
  }
}

/** The runs this node keeps in memory, not yet written: shutdown writes them before it releases its work. */
export class RunDrafts {
  private readonly drafts = new Set<RunDraft>();

  constructor(private readonly options: RunDraftOptions) {}

  /** Drafts a run the store started (`QueueStore.draftRun`), held by this node. */
  create(start: RunDraftStart, heldBy: { nodeId: string; leaseUntil: number }): RunDraft {
    return new RunDraft(start, heldBy, this.options);
  }

  /**
   * What waiting for a drafted run gives: the final run (written before `run-finished` is published),
   * or at the timeout the run written first, since the 408 names it; a failed write rejects.
   */
  outcome(draft: RunDraft, waited: Promise<RunState | undefined>): Promise<RunState | undefined> {
    this.drafts.add(draft);
    const stored = waited.then(async (final) => {
      if (!final) await draft.write();
      return final;
    });
    const outcome = Promise.race([stored, draft.lost]);
    const forget = (): void => void this.drafts.delete(draft);
    outcome.then(forget, forget);
    return outcome;
  }

  /** Writes every run still in memory (held by this node: released with the rest of its work). */
  async writeAll(): Promise<void> {
    await Promise.allSettled([...this.drafts].map((draft) => draft.write()));
  }
}
