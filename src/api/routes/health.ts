import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api-context.js';
import { WEIR_VERSION } from '../../version.js';
import { route } from '../route-table.js';
import { RETRY_AFTER_SECONDS } from '../../store/storage-failures.js';
import { DRAIN_RETRY_AFTER_SECONDS } from '../drain-gate.js';
import { Type } from '@sinclair/typebox';

const StoreStatus = Type.Union([
  Type.Object({ status: Type.Literal('ok') }),
  Type.Object({
    status: Type.Literal('unavailable'),
    reason: Type.Union(
      ['full', 'busy', 'read_only', 'unreachable', 'io'].map((kind) => Type.Literal(kind)),
      {
        description: 'What the last storage failure was.',
      },
    ),
    since: Type.String({ description: 'When the last one happened (ISO 8601).' }),
  }),
]);

/**
 * `GET /health`: readiness, what a load balancer polls. 200 while this node can take work: not shutting
 * down, and its store accepts writes (a probe, and no request or engine write failing for a storage
 * reason in the last 5 s). Otherwise 503 with `Retry-After`, saying why in `status` and `store`.
 * `GET /health/live`: liveness, 200 while the process answers at all (restart on its failure, not on
 * the readiness one: a restart does not free a full disk).
 */
export function registerHealthRoutes(app: FastifyInstance, context: ApiContext): void {
  route(app, '/health', {
    GET: {
      schema: {
        tags: ['Meta'],
        summary: 'Readiness',
        description:
          "200 when this node takes work: not shutting down, and its store accepts writes. 503 otherwise, with `Retry-After`. No credentials. `version` is Weir's (package.json).",
        response: {
          200: Type.Object({
            status: Type.Literal('ok'),
            node: Type.String({ description: 'This process, as it claims work.' }),
            version: Type.String({ examples: ['0.1.0'] }),
            store: StoreStatus,
          }),
          503: Type.Object(
            {
              status: Type.Union([Type.Literal('unavailable'), Type.Literal('draining')]),
              node: Type.String(),
              version: Type.String(),
              store: StoreStatus,
              errors: Type.Array(Type.Any()),
            },
            { description: 'Not ready: the store fails, or the node shuts down.' },
          ),
        },
      },
      handler: async (_request, reply) => {
        const store = await context.storeHealth.check();
        const storeBody =
          store.status === 'ok'
            ? store
            : { status: store.status, reason: store.reason, since: new Date(store.since).toISOString() };
        const base = { node: context.engine.nodeId, version: WEIR_VERSION, store: storeBody };
        if (context.drain.isDraining) {
          return reply
            .code(503)
            .header('retry-after', String(DRAIN_RETRY_AFTER_SECONDS))
            .send({
              status: 'draining',
              ...base,
              errors: [{ status: 503, code: 'shutting_down', title: 'This node is shutting down; it takes no work.' }],
            });
        }
        if (store.status === 'ok') return { status: 'ok', ...base };
        const retryAfter = RETRY_AFTER_SECONDS[store.reason];
        return reply
          .code(503)
          .header('retry-after', String(retryAfter))
          .send({
            status: 'unavailable',
            ...base,
            errors: [
              {
                status: 503,
                code: 'store_unavailable',
                title: `The store fails (${store.reason}); this node takes no work now.`,
              },
            ],
          });
      },
    },
  });
  route(app, '/health/live', {
    GET: {
      schema: {
        tags: ['Meta'],
        summary: 'Liveness',
        description: 'The process answers. No credentials; never touches the store.',
        response: { 200: Type.Object({ status: Type.Literal('ok'), node: Type.String() }) },
      },
      handler: async () => ({ status: 'ok', node: context.engine.nodeId }),
    },
  });
}
