export interface SerialTickerOptions<T> {
  /** One pass of the work at `now`. It calls `plan` to say when the next pass is due. */
  run: (now: number) => Promise<T>;
  now: () => number;
  /** False: no timers; passes happen only when `tick` is called (tests drive them with their clock). */
  hasTimers: boolean;
  /** Bounds on the sleep between passes. */
  minSleepMs: number;
  maxSleepMs: number;
}

/**
 * A background job woken by one timer, never by polling: passes run one after another (never two
 * at once), each planning the next; `refresh` runs a pass now (something changed). Shared by the
 * scheduler and the retention sweeper.
 */
export class SerialTicker<T> {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SerialTickerOptions<T>) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  start(): void {
    this.stopped = false;
    this.refresh();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Runs a pass now (when timers are on); its failure is the pass's to report. */
  refresh(): void {
    if (this.stopped || !this.options.hasTimers) return;
    void this.tick().catch(() => undefined);
  }

  /** Runs a pass at `now` (default the clock), after any pass already running. */
  tick(now: number = this.options.now()): Promise<T> {
    const next = this.chain.then(() => this.options.run(now));
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Sets the timer for the next pass, `delayMs` from now within the sleep bounds. */
  plan(delayMs: number): void {
    if (this.stopped || !this.options.hasTimers) return;
    if (this.timer) clearTimeout(this.timer);
    const { minSleepMs, maxSleepMs } = this.options;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        void this.tick().catch(() => undefined);
      },
      Math.min(maxSleepMs, Math.max(minSleepMs, delayMs)),
    );
    this.timer.unref();
  }
}
