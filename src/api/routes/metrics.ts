import type { FastifyInstance } from 'fastify';
import { Scope } from '../../model/scopes.js';
import type { ApiContext } from '../api-context.js';
import { requireScope } from '../auth/bearer.js';
import { route } from '../route-table.js';
import { bearer, errorResponses, MANAGEMENT_ERRORS } from '../schemas/common.js';

/**
 * `GET /metrics`: Prometheus text. Behind a bearer token with `workflow:view` (a scraper gets a
 * client of its own: `weir clients create --name prometheus --scopes workflow:view`), unless
 * `WEIR_METRICS_PUBLIC=true` opens it for a scraper on a private network.
 */
export function registerMetricsRoutes(app: FastifyInstance, context: ApiContext): void {
  const isPublic = context.config.metricsPublic;
  route(app, '/metrics', {
    GET: {
      ...(isPublic ? {} : { preHandler: requireScope(context.clients, Scope.View) }),
      schema: {
        tags: ['Meta'],
        summary: 'Prometheus metrics',
        description:
          'The Prometheus text exposition format: triggers by mode and answer code, runs, task instances, the queue, ' +
          'responsive runs in flight, process metrics (docs/operations.md lists them). Needs a bearer token with ' +
          '`workflow:view` unless `WEIR_METRICS_PUBLIC=true`.',
        ...(isPublic ? {} : { security: bearer(Scope.View) }),
        response: {
          200: { type: 'string', description: 'text/plain; version=0.0.4' },
          ...errorResponses(...MANAGEMENT_ERRORS),
        },
      },
      handler: async (_request, reply) => {
        const { contentType, text } = await context.metrics.exposition();
        return reply.type(contentType).send(text);
      },
    },
  });
}
