import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TraceParent } from '../engine/engine-observer.js';
import type { TriggerTrace, WeirTracing } from '../observability/tracing.js';
import { TRIGGER_MODES } from './trigger-metrics.js';

/** The span of each trigger request in flight (kept with the request object, gone with it). */
const traces = new WeakMap<FastifyRequest, TriggerTrace>();

/** The trace parent of the run a trigger request starts; undefined (a lookup in an empty map) while tracing is off. */
export function triggerTraceParent(request: FastifyRequest): TraceParent | undefined {
  return traces.get(request)?.parent;
}

/**
 * A span per trigger request (`/run`, `/sync`), from its arrival to its answer, parented by the
 * request's `traceparent` header. Registered only while tracing is on: otherwise no hook runs.
 */
export function registerTriggerTracing(app: FastifyInstance, tracing: WeirTracing): void {
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url ?? '';
    if (TRIGGER_MODES[route] === undefined) return;
    traces.set(
      request,
      tracing.startTrigger({
        method: request.method,
        route,
        path: request.url.split('?', 1)[0] ?? '',
        headers: request.headers,
      }),
    );
  });
  const end = (request: FastifyRequest, statusCode: number): void => {
    const trace = traces.get(request);
    if (!trace) return;
    traces.delete(request);
    const id = Number((request.params as { id?: string } | undefined)?.id);
    trace.end(statusCode, Number.isSafeInteger(id) && id > 0 ? id : null);
  };
  app.addHook('onResponse', async (request, reply) => end(request, reply.statusCode));
  // A client that went away gets no answer; the span still ends (499, as proxies count it).
  app.addHook('onRequestAbort', async (request) => end(request, 499));
}
