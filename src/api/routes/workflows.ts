import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConflictError, InvalidRequestError, NotFoundError } from '../../model/errors.js';
import { Scope } from '../../model/scopes.js';
import type { ApiContext } from '../api-context.js';
import { principalOf, requireScope } from '../auth/bearer.js';
import { settingsObject, versionSummary, workflowObject } from '../presenters.js';
import { sendRunAnswer } from '../run-answers.js';
import { baseUrlOf, nextPage, parseId, queryBoolean, queryPage, queryString, route } from '../route-table.js';

/** The management API's workflow operations (`/workflows`, `/workflows/{id}/...`). */
export function registerWorkflowRoutes(app: FastifyInstance, context: ApiContext): void {
  const { catalog, clients } = context;
  const view = requireScope(clients, Scope.View);
  const manage = requireScope(clients, Scope.Manage);
  const run = requireScope(clients, Scope.Run);
  const idOf = (request: FastifyRequest): number => parseId((request.params as { id: string }).id, 'Workflow');

  const present = async (id: number) => {
    const workflow = await catalog.getWorkflow(id);
    const versions = await catalog.listVersions(id);
    const current = versions.find((v) => v.id === workflow.activeVersionId) ?? versions.at(-1);
    return workflowObject(workflow, current, versions);
  };

  const importHandler = async (request: FastifyRequest) => {
    const activate = queryBoolean(request.query as Record<string, unknown>, 'activate') ?? false;
    const workflow = await catalog.importWorkflow(request.body, { activate });
    return present(workflow.id);
  };

  route(app, '/workflows', {
    GET: {
      preHandler: view,
      handler: async (request) => {
        const query = request.query as Record<string, unknown>;
        const page = queryPage(query, 50);
        const filter = {
          ...optional('calloutTrigger', queryBoolean(query, 'callout_trigger')),
          ...optional('ondemandTrigger', queryBoolean(query, 'ondemand_trigger')),
          ...optional('scheduledTrigger', queryBoolean(query, 'scheduled_trigger')),
          ...optional('interval', queryString(query, 'interval')),
          ...optional('name', queryString(query, 'name')),
        };
        const rows = await catalog.listWorkflows(filter, {
          offset: (page.page - 1) * page.pageLength,
          limit: page.pageLength + 1,
        });
        const data = await Promise.all(rows.slice(0, page.pageLength).map((w) => present(w.id)));
        return {
          data,
          pagination: {
            page: page.page,
            page_length: page.pageLength,
            next_page: nextPage(request, context.config.publicUrl, page, rows.length > page.pageLength),
          },
        };
      },
    },
    POST: { preHandler: manage, handler: importHandler },
  });

  route(app, '/workflows/import', { POST: { preHandler: manage, handler: importHandler } });

  route(app, '/workflows/:id', {
    GET: { preHandler: view, handler: async (request) => present(idOf(request)) },
    PATCH: {
      preHandler: manage,
      handler: async (request) => {
        const id = idOf(request);
        await catalog.updateWorkflow(id, request.body);
        return present(id);
      },
    },
    DELETE: {
      preHandler: manage,
      handler: async (request) => {
        const id = idOf(request);
        await catalog.deleteWorkflow(id);
        return { success: true, id };
      },
    },
  });

  route(app, '/workflows/:id/settings', {
    GET: {
      preHandler: manage,
      handler: async (request) => {
        const id = idOf(request);
        const current = await catalog.currentVersion(id);
        const credentials = await catalog.credentials(id);
        return settingsObject(id, current, credentials, baseUrlOf(request, context.config.publicUrl));
      },
    },
  });

  route(app, '/workflows/:id/settings/rotate', {
    POST: {
      preHandler: manage,
      handler: async (request) => {
        const id = idOf(request);
        const credentials = await catalog.rotateCredentials(id);
        const current = await catalog.currentVersion(id);
        return settingsObject(id, current, credentials, baseUrlOf(request, context.config.publicUrl));
      },
    },
  });

  route(app, '/workflows/:id/export', {
    GET: {
      preHandler: manage,
      handler: async (request) => {
        const version = queryString(request.query as Record<string, unknown>, 'version', 64);
        return catalog.exportVersion(idOf(request), version);
      },
    },
  });

  route(app, '/workflows/:id/versions', {
    GET: {
      preHandler: view,
      handler: async (request) => {
        const id = idOf(request);
        const workflow = await catalog.getWorkflow(id);
        const versions = await catalog.listVersions(id);
        return { data: versions.map((v) => versionSummary(v, v.id === workflow.activeVersionId)) };
      },
    },
  });

  route(app, '/workflows/:id/run', {
    POST: {
      preHandler: run,
      handler: async (request, reply) => {
        const id = idOf(request);
        const target = await catalog.triggerTarget(id);
        if (!target) {
          const asRun = await context.store.getRun(id);
          if (asRun) throw new ConflictError(`Workflow ${asRun.name} with Id ${asRun.id} is an instance/run.`);
          throw new NotFoundError(`Workflow ${id} does not exist.`);
        }
        const body = request.body;
        if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
          throw new InvalidRequestError('The body must be a JSON object of input parameters.', 'body');
        }
        const key = request.headers['idempotency-key'];
        const answer = await context.runRequests.run(target, {
          mode: 'standard',
          params: {
            ...(request.query as Record<string, unknown>),
            ...((body as Record<string, unknown> | undefined) ?? {}),
          },
          idempotencyKey: typeof key === 'string' ? key : null,
          runUser: principalOf(request)?.clientId ?? 'api',
        });
        return sendRunAnswer(reply, answer, {
          syncTimeoutSeconds: context.config.syncTimeoutSeconds,
          now: context.now(),
        });
      },
    },
  });
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
