import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api-context.js';
import { route } from '../route-table.js';

/** `GET /health`: the process is up and its store answers. */
export function registerHealthRoutes(app: FastifyInstance, context: ApiContext): void {
  route(app, '/health', {
    GET: {
      schema: {
        tags: ['Meta'],
        summary: 'Health',
        description: 'The process is up and its store answers. No credentials.',
        response: {
          200: { type: 'object', properties: { status: { const: 'ok' }, node: { type: 'string' } } },
          500: { $ref: 'ErrorEnvelope#' },
        },
      },
      handler: async () => {
        await context.store.catalog.countClients();
        return { status: 'ok', node: context.engine.nodeId };
      },
    },
  });
}
