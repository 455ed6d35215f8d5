import type { FastifyInstance } from 'fastify';
import type { WeirMetrics } from '../observability/metrics.js';

/** The trigger routes and the mode each counts as. */
export const TRIGGER_MODES: Readonly<Record<string, 'standard' | 'sync'>> = {
  '/api/v1/workflows/:id/run': 'standard',
  '/api/v1/workflows/:id/sync': 'sync',
};

/**
 * Counts every answer of the trigger API by mode and status code (`weir_triggers_total`), whatever
 * produced it (the handler, the error mapper, a 401), once the answer is sent. One map lookup per
 * request elsewhere.
 */
export function registerTriggerMetrics(app: FastifyInstance, metrics: WeirMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const mode = TRIGGER_MODES[request.routeOptions.url ?? ''];
    if (mode !== undefined && request.method !== 'OPTIONS') {
      metrics.triggerAnswered(mode, reply.statusCode, reply.elapsedTime / 1000);
    }
  });
}
