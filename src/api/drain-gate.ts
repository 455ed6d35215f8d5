import type { FastifyInstance } from 'fastify';
import { envelope } from './errors.js';

/** What a refused request is told to wait before trying again (another node, or this one restarted). */
export const DRAIN_RETRY_AFTER_SECONDS = 5;
/** Paths that answer while draining: readiness says so itself, liveness is true until the end. */
const ANSWERED_WHILE_DRAINING = new Set(['/health', '/health/live']);

/**
 * The API side of a graceful shutdown. Once `begin` is called, every new request but `/health` gets
 * 503 `shutting_down` with `Retry-After` and the error envelope, and every answer (refusals and the
 * requests already in flight) carries `Connection: close`, so keep-alive clients leave as soon as they
 * have their answer. It counts the requests in flight, so shutdown can wait for them.
 */
export class DrainGate {
  private draining = false;
  private inFlight = 0;
  private refused = 0;
  private idleWaiters: Array<() => void> = [];

  get isDraining(): boolean {
    return this.draining;
  }

  /** Requests being served now. */
  get inFlightCount(): number {
    return this.inFlight;
  }

  /** Requests refused with 503 since `begin`. */
  get refusedCount(): number {
    return this.refused;
  }

  begin(): void {
    this.draining = true;
  }

  /** Resolves true when no request is in flight, false after `timeoutMs` if some still are. */
  async idle(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const isIdle = await Promise.race([
      new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true))),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), Math.max(0, timeoutMs));
      }),
    ]);
    clearTimeout(timer);
    return isIdle;
  }

  /** Registers the hooks; call before the routes, after the hook that sets the request id. */
  register(app: FastifyInstance): void {
    // Callback hooks, not async ones: they run on every request, the trigger's hot path included.
    app.addHook('onRequest', (request, reply, done) => {
      if (this.draining && !ANSWERED_WHILE_DRAINING.has(request.url.split('?')[0] ?? '')) {
        this.refused += 1;
        void reply
          .code(503)
          .headers({ 'retry-after': String(DRAIN_RETRY_AFTER_SECONDS), connection: 'close' })
          .send(
            envelope([
              {
                status: 503,
                code: 'shutting_down',
                title: `This Weir node is shutting down; retry in ${DRAIN_RETRY_AFTER_SECONDS} s (another node may answer).`,
              },
            ]),
          );
        return;
      }
      this.inFlight += 1;
      // 'close' fires once, whether the answer was sent or the client went away.
      reply.raw.once('close', () => {
        this.inFlight -= 1;
        if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
      });
      done();
    });
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (this.draining) reply.header('connection', 'close');
      done(null, payload);
    });
  }
}
