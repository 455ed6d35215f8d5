import type { FastifyInstance } from 'fastify';
import type { DrainGate } from './api/drain-gate.js';
import type { Engine } from './engine/engine.js';

/** What a graceful shutdown stops, in the order it stops them. */
export interface ShutdownParts {
  app: FastifyInstance;
  engine: Engine;
  drain: DrainGate;
  /** The scheduler, retention and anything else that starts work on a timer. */
  stopTimers: () => void;
  /** Releases what the HTTP server and the engine used (mail transport, the store), last. */
  closeResources: () => Promise<void>;
}

/** After the grace: how long aborted attempts get to end before their instances are released. */
const ABORT_SETTLE_MS = 2_000;
/** After the release: how long the answers still owed (408s to waiting /sync calls) get to go out. */
const ANSWER_FLUSH_MS = 1_000;

/**
 * Weir's graceful shutdown (`weir serve` on SIGTERM/SIGINT, `RunningWeir.close`). Every step is logged
 * with what it did. The whole takes at most `graceMs` + ~4 s (the two bounds above, and closing), so
 * the process exits within grace + 5 s.
 *
 * 1. Drain: claim nothing more (at once), schedule nothing, answer new requests 503 `shutting_down`
 *    with `Retry-After` (`/health` says `draining`), close idle keep-alive connections at once and the
 *    others after their answer.
 * 2. Wait up to `graceMs` for the task instances executing here and the requests in flight.
 * 3. Abort what still executes (its callout is cancelled) and release it to the queue; answer the
 *    requests still waiting on a responsive run with 408 (the run goes on in standard mode).
 * 4. Close the HTTP server (cutting what is left), then the resources (mail, the store).
 */
export async function shutDown(parts: ShutdownParts, graceMs: number): Promise<void> {
  const { app, engine, drain } = parts;
  const log = app.log;
  const startedAt = Date.now();
  drain.begin();
  engine.stopClaiming();
  parts.stopTimers();
  // Keep-alive sockets between requests would hold `server.close` for their whole idle timeout (72 s).
  app.server.closeIdleConnections();
  log.info(
    {
      graceSeconds: graceMs / 1000,
      executing: engine.executingCount,
      requestsInFlight: drain.inFlightCount,
    },
    'shutdown: draining; claiming stopped, new requests get 503, idle connections closed',
  );

  const [isEngineIdle, areRequestsDone] = await Promise.all([engine.drain(graceMs), drain.idle(graceMs)]);
  log.info(
    {
      waitedMs: Date.now() - startedAt,
      executing: engine.executingCount,
      requestsInFlight: drain.inFlightCount,
    },
    isEngineIdle && areRequestsDone
      ? 'shutdown: in-flight work finished'
      : 'shutdown: grace period over with work still in flight',
  );

  const { aborted, released } = await engine.abortAndRelease(ABORT_SETTLE_MS);
  const answered = engine.waiters.releaseAll();
  log.info(
    { aborted, released, responsiveCallersAnswered: answered },
    'shutdown: aborted and released unfinished task instances to the queue',
  );
  await drain.idle(ANSWER_FLUSH_MS);

  // Whatever is still connected (a client that never reads its answer) is cut now.
  const closing = app.close();
  app.server.closeAllConnections();
  await closing;
  log.info({ refusedRequests: drain.refusedCount }, 'shutdown: HTTP server closed');
  await parts.closeResources();
  log.info({ durationMs: Date.now() - startedAt }, 'shutdown: done');
}
