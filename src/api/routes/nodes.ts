import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { formatIsoTime } from '../../model/time.js';
import { Scope } from '../../model/scopes.js';
import type { NodeView } from '../../store/store-nodes.js';
import type { ApiContext } from '../api-context.js';
import { requireScope } from '../auth/bearer.js';
import { route } from '../route-table.js';
import { bearer, errorResponses, MANAGEMENT_ERRORS } from '../schemas/common.js';

const IsoTime = Type.String({ format: 'date-time', examples: ['2026-12-07T09:45:17.000Z'] });

const NodeAnswer = Type.Object({
  id: Type.String({ description: 'The node id, as it appears in logs and holds task instances.' }),
  host: Type.String(),
  pid: Type.Integer(),
  version: Type.String({ description: "Weir's version on that node." }),
  status: Type.String({
    enum: ['Running', 'Stopped', 'Lost'],
    description:
      '`Running`: heartbeating; `Stopped`: shut down cleanly; `Lost`: silent past `WEIR_NODE_TIMEOUT_SECONDS`, ' +
      'so the other nodes took over its work.',
  }),
  startedAt: IsoTime,
  heartbeatAt: IsoTime,
  stoppedAt: Type.Union([IsoTime, Type.Null()]),
  heldTaskInstances: Type.Integer({ description: 'Task instances it executes now (`Processing`, held by it).' }),
  isThisNode: Type.Boolean({ description: 'The node that answered this request.' }),
});

function nodeAnswer(node: NodeView, thisNodeId: string) {
  return {
    id: node.id,
    host: node.host,
    pid: node.pid,
    version: node.version,
    status: node.stoppedAt === null ? 'Running' : node.stopReason === 'shutdown' ? 'Stopped' : 'Lost',
    startedAt: formatIsoTime(node.startedAt),
    heartbeatAt: formatIsoTime(node.heartbeatAt),
    stoppedAt: node.stoppedAt === null ? null : formatIsoTime(node.stoppedAt),
    heldTaskInstances: node.heldTaskInstances,
    isThisNode: node.id === thisNodeId,
  };
}

/** `GET /nodes` (**ext**): the Weir nodes on this database, from the node registry. */
export function registerNodeRoutes(app: FastifyInstance, context: ApiContext): void {
  route(app, '/nodes', {
    GET: {
      preHandler: requireScope(context.clients, Scope.View),
      schema: {
        tags: ['Nodes'],
        summary: 'List the Weir nodes',
        description:
          '**ext**: every Weir node that shares this database (one on SQLite), running ones first, with its ' +
          'last heartbeat and the task instances it holds. Nodes stopped more than a week ago are forgotten.',
        security: bearer(Scope.View),
        response: { 200: Type.Object({ nodes: Type.Array(NodeAnswer) }), ...errorResponses(...MANAGEMENT_ERRORS) },
      },
      handler: async () => {
        const nodes = await context.store.nodes.list();
        return { nodes: nodes.map((node) => nodeAnswer(node, context.engine.nodeId)) };
      },
    },
  });
}
