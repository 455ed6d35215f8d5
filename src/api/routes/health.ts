import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api-context.js';
import { WEIR_VERSION } from '../../version.js';
import { route } from '../route-table.js';

/** `GET /health`: the process is up and its store answers; with this node's id and Weir's version. */
export function registerHealthRoutes(app: FastifyInstance, context: ApiContext): void {
  route(app, '/health', {
    GET: {
      schema: {
        tags: ['Meta'],
        summary: 'Health',
        description: "The process is up and its store answers. No credentials. `version` is Weir's (package.json).",
        response: {
          200: {
            type: 'object',
            properties: {
              status: { const: 'ok' },
              node: { type: 'string', description: 'This process, as it claims work.' },
              version: { type: 'string', examples: ['0.1.0'] },
            },
          },
          500: { $ref: 'ErrorEnvelope#' },
        },
      },
      handler: async () => {
        await context.store.catalog.countClients();
        return { status: 'ok', node: context.engine.nodeId, version: WEIR_VERSION };
      },
    },
  });
}
