import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Scope } from '../../model/scopes.js';
import type { ApiContext } from '../api-context.js';
import { requireScope } from '../auth/bearer.js';
import { route } from '../route-table.js';
import { bearer, errorResponses, ListQuery, MANAGEMENT_ERRORS } from '../schemas/common.js';

const Shown = Type.Object({
  name: Type.String(),
  value: Type.Unknown({ description: 'The value; null for a secret one.' }),
  secret: Type.Boolean(),
  hint: Type.Union([Type.String(), Type.Null()], { description: 'A secret: `****` and its last 4 characters.' }),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
});

const NameParams = Type.Object({ name: Type.String({ examples: ['SLACK_WEBHOOK_URL'] }) });

/** `/workflows/global_constants` (issue 11): the reference's Workflow Settings → Global Constants. */
export function registerGlobalConstantRoutes(app: FastifyInstance, context: ApiContext): void {
  const constants = context.globalConstants;
  if (!constants) return;
  const view = requireScope(context.clients, Scope.View);
  const manage = requireScope(context.clients, Scope.Manage);
  const nameOf = (request: FastifyRequest): string => (request.params as { name: string }).name;

  route(app, '/workflows/global_constants', {
    GET: {
      preHandler: view,
      schema: {
        tags: ['Workflows'],
        summary: 'List global constants',
        description: 'Tenant-wide constants (`GlobalConstants.<name>` in Liquid). Secret values are never shown.',
        security: bearer(Scope.View),
        querystring: ListQuery({}),
        response: { 200: Type.Object({ data: Type.Array(Shown) }), ...errorResponses(400, ...MANAGEMENT_ERRORS) },
      },
      handler: async () => ({ data: await constants.list() }),
    },
  });

  route(app, '/workflows/global_constants/:name', {
    PUT: {
      preHandler: manage,
      // The body is read by the use case, which names the field at fault.
      isSchemaDescriptive: true,
      schema: {
        tags: ['Workflows'],
        summary: 'Set a global constant',
        description:
          'Creates or replaces the constant. `secret: true` seals the value (a string) at rest; it is shown only as ' +
          'a hint from then on.',
        security: bearer(Scope.Manage),
        params: NameParams,
        body: Type.Object({ value: Type.Unknown(), secret: Type.Optional(Type.Boolean()) }),
        response: { 200: Shown, ...errorResponses(400, ...MANAGEMENT_ERRORS, 415) },
      },
      handler: async (request) => constants.set(nameOf(request), request.body),
    },
    DELETE: {
      preHandler: manage,
      schema: {
        tags: ['Workflows'],
        summary: 'Delete a global constant',
        security: bearer(Scope.Manage),
        params: NameParams,
        response: {
          200: Type.Object({ success: Type.Boolean(), name: Type.String() }),
          ...errorResponses(...MANAGEMENT_ERRORS, 404),
        },
      },
      handler: async (request) => {
        await constants.delete(nameOf(request));
        return { success: true, name: nameOf(request) };
      },
    },
  });
}
