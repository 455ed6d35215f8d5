/**
 * A counting semaphore: at most `size` holders at once, the rest wait in arrival order. A waiter
 * whose signal aborts leaves the queue and gets `false`.
 */
export class Slots {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  /** Resolves `true` once a slot is held (call `release` after), `false` if `signal` aborted first. */
  acquire(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.held < this.size) {
      this.held += 1;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.held += 1;
        resolve(true);
      };
      const onAbort = (): void => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        resolve(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  /** Frees a slot and hands it to the next waiter. */
  release(): void {
    this.held -= 1;
    this.waiting.shift()?.();
  }
}
