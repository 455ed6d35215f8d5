/**
 * An abort controller made only when an attempt asks for its signal. Most attempts (Liquid, transforms,
 * a response) never do, and an `AbortController` with its signal is an event target: a cost, and
 * garbage, for every task instance. Aborting before the signal exists makes it already aborted.
 */
export class LazyAbort {
  private controller: AbortController | undefined;
  private reason: unknown;
  private isAborted = false;

  /** Whether `abort` was called. */
  get aborted(): boolean {
    return this.isAborted;
  }

  /** The signal (made on first use), aborted with the first reason given. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.isAborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Aborts once: later calls keep the first reason, as `AbortController.abort` does. */
  abort(reason: unknown): void {
    if (this.isAborted) return;
    this.isAborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}
