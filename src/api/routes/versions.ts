import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Scope } from '../../model/scopes.js';
import { WorkflowDocumentSchema } from '../../model/workflow-document.js';
import type { ApiContext } from '../api-context.js';
import { principalOf, requireScope } from '../auth/bearer.js';
import { workflowObject } from '../presenters.js';
import { idempotencyKeyOf, parseId, queryBoolean, queryString, route } from '../route-table.js';
import { BooleanQuery, bearer, errorResponses, IdParams, MANAGEMENT_ERRORS, SuccessAnswer } from '../schemas/common.js';
import { WorkflowObject } from '../schemas/workflow-schemas.js';

/** Versions of a workflow: import one (`POST /workflows/{id}/versions/import`), delete one. */
export function registerVersionRoutes(app: FastifyInstance, context: ApiContext): void {
  const { catalog, versionCatalog } = context;
  const manage = requireScope(context.clients, Scope.Manage);
  const idOf = (request: FastifyRequest, what: string): number => parseId((request.params as { id: string }).id, what);

  route(app, '/workflows/:id/versions/import', {
    POST: {
      preHandler: manage,
      // The file is validated by the catalog (400 naming the field), as on POST /workflows/import.
      isSchemaDescriptive: true,
      schema: {
        tags: ['Versions'],
        summary: 'Import a workflow version',
        description:
          'Adds the file as a new version of the workflow. `version` is required and must be greater than every ' +
          'version the workflow has (compared as version numbers: 0.0.10 > 0.0.9). With `activate=true` it ' +
          'becomes the active version and the workflow `Active`. Answers the workflow.',
        security: bearer(Scope.Manage),
        params: IdParams,
        querystring: Type.Object({
          version: Type.String({ description: 'The new version number, e.g. 0.0.2.', examples: ['0.0.2'] }),
          activate: BooleanQuery('Make it the active version (default false).'),
        }),
        body: WorkflowDocumentSchema,
        response: { 200: WorkflowObject, ...errorResponses(400, ...MANAGEMENT_ERRORS, 404, 409, 415) },
      },
      handler: async (request) => {
        const id = idOf(request, 'Workflow');
        const query = request.query as Record<string, unknown>;
        const work = async () => {
          await versionCatalog.importVersion(id, request.body, {
            version: queryString(query, 'version', 64),
            activate: queryBoolean(query, 'activate') ?? false,
          });
          const workflow = await catalog.getWorkflow(id);
          const versions = await catalog.listVersions(id);
          const current = versions.find((v) => v.id === workflow.activeVersionId) ?? versions.at(-1);
          return workflowObject(workflow, current, versions);
        };
        const scope = `versions-import\u0000${id}\u0000${principalOf(request)?.clientId ?? ''}`;
        const key = idempotencyKeyOf(request);
        return context.importIdempotency
          ? context.importIdempotency.once(scope, key, { query, body: request.body }, work)
          : work();
      },
    },
  });

  route(app, '/workflows/versions/:id', {
    DELETE: {
      preHandler: manage,
      schema: {
        tags: ['Versions'],
        summary: 'Delete a workflow version',
        description:
          'Deletes a version that is not the active one (403 "Cannot delete the active version of a workflow."), ' +
          'nor the only one. Runs that used it stay readable.',
        security: bearer(Scope.Manage),
        params: IdParams,
        response: { 200: SuccessAnswer, ...errorResponses(...MANAGEMENT_ERRORS, 404) },
      },
      handler: async (request) => {
        const id = idOf(request, 'Workflow version');
        await versionCatalog.deleteVersion(id);
        return { success: true, id };
      },
    },
  });
}
