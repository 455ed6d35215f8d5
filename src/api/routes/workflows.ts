import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConflictError, InvalidRequestError, NotFoundError } from '../../model/errors.js';
import { Scope } from '../../model/scopes.js';
import type { ApiContext } from '../api-context.js';
import { principalOf, requireScope } from '../auth/bearer.js';
import { settingsObject, versionSummary, workflowObject } from '../presenters.js';
import { sendRunAnswer } from '../run-answers.js';
import {
  baseUrlOf,
  idempotencyKeyOf,
  nextPage,
  parseId,
  queryBoolean,
  queryPage,
  queryString,
  route,
} from '../route-table.js';
import {
  AnyObject,
  bearer,
  BooleanQuery,
  errorResponses,
  IdParams,
  ListQuery,
  MANAGEMENT_ERRORS,
  PageQuery,
  Pagination,
  SuccessAnswer,
} from '../schemas/common.js';
import { RunMetadata } from '../schemas/run-schemas.js';
import {
  ImportAnswer,
  PatchValidationAnswer,
  SettingsObject,
  VersionSummary,
  WorkflowObject,
  WorkflowPatchBody,
} from '../schemas/workflow-schemas.js';
import { WorkflowDocumentSchema } from '../../model/workflow-document.js';
import { Type } from '@sinclair/typebox';

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
    const query = request.query as Record<string, unknown>;
    const activate = queryBoolean(query, 'activate') ?? false;
    const definition = queryString(query, 'workflow_definition_id');
    const version = queryString(query, 'version', 64);
    const work = async () => {
      if (definition === undefined) {
        const workflow = await catalog.importWorkflow(request.body, { activate, version });
        return importAnswer(workflow.id);
      }
      // As the reference: a new version of that workflow, not a new workflow.
      const id = parseDefinitionId(definition);
      const imported = await context.versionCatalog.importVersion(id, request.body, {
        version: version ?? fileVersionOf(request.body),
        activate,
      });
      return importAnswer(id, imported.version);
    };
    const scope = `import\u0000${principalOf(request)?.clientId ?? ''}`;
    const key = idempotencyKeyOf(request);
    return context.importIdempotency
      ? context.importIdempotency.once(scope, key, { query, body: request.body }, work)
      : work();
  };

  /** The workflow as GET shows it, with the reference's import fields: `type` and the imported `version`. */
  const importAnswer = async (id: number, version?: string) => {
    const shown = await present(id);
    const versions = await catalog.listVersions(id);
    return { ...shown, type: 'Workflow::Setup' as const, version: version ?? versions.at(-1)?.version ?? '0.0.1' };
  };

  const importSchema = (summary: string, description: string) => ({
    tags: ['Workflows'],
    summary,
    description,
    security: bearer(Scope.Manage),
    querystring: Type.Object({
      activate: BooleanQuery('Make the imported version active (default false).'),
      workflow_definition_id: Type.Optional(
        Type.String({ description: 'Import as a new version of this workflow instead of a new workflow.' }),
      ),
      version: Type.Optional(
        Type.String({
          description:
            'The version number to give it; with `workflow_definition_id` it must be greater than every version ' +
            "the workflow has (default the file's `workflow.version`).",
        }),
      ),
    }),
    headers: Type.Object({
      'idempotency-key': Type.Optional(
        Type.String({
          maxLength: 255,
          description: 'A retry with the same key and request answers the first answer and imports nothing.',
        }),
      ),
    }),
    body: WorkflowDocumentSchema,
    response: { 200: ImportAnswer, ...errorResponses(400, ...MANAGEMENT_ERRORS, 404, 409, 415) },
  });
  const IMPORT_DESCRIPTION =
    'Creates a workflow from an export document `{workflow, tasks, linkages}` (ids in the file are remapped). ' +
    'A task type Weir does not run, or a malformed graph, is a 400 naming the field; nothing is stored.';

  route(app, '/workflows', {
    GET: {
      preHandler: view,
      schema: {
        tags: ['Workflows'],
        summary: 'List workflows',
        security: bearer(Scope.View),
        querystring: ListQuery({
          callout_trigger: BooleanQuery('Only workflows whose callout trigger is on (true) or off (false).'),
          ondemand_trigger: BooleanQuery('Filter on the on-demand trigger.'),
          scheduled_trigger: BooleanQuery('Filter on the scheduled trigger.'),
          interval: Type.Optional(Type.String({ description: 'Only workflows with this cron interval.' })),
          name: Type.Optional(Type.String({ description: 'Name contains this.' })),
          ...PageQuery,
        }),
        response: {
          200: Type.Object({ data: Type.Array(WorkflowObject), pagination: Pagination }),
          ...errorResponses(400, ...MANAGEMENT_ERRORS),
        },
      },
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
    POST: {
      preHandler: manage,
      isSchemaDescriptive: true,
      schema: importSchema('Create a workflow (**ext**)', `${IMPORT_DESCRIPTION} Same as POST /workflows/import.`),
      handler: importHandler,
    },
  });

  route(app, '/workflows/import', {
    POST: {
      preHandler: manage,
      isSchemaDescriptive: true,
      schema: importSchema('Import a workflow', IMPORT_DESCRIPTION),
      handler: importHandler,
    },
  });

  route(app, '/workflows/:id', {
    GET: {
      preHandler: view,
      schema: {
        tags: ['Workflows'],
        summary: 'Retrieve a workflow',
        security: bearer(Scope.View),
        params: IdParams,
        response: { 200: WorkflowObject, ...errorResponses(...MANAGEMENT_ERRORS, 404) },
      },
      handler: async (request) => present(idOf(request)),
    },
    PATCH: {
      preHandler: manage,
      // Described here, validated by the handler: failures are the reference's 422, not a 400.
      isSchemaDescriptive: true,
      schema: {
        tags: ['Workflows'],
        summary: 'Update a workflow',
        description:
          'Changes the name, description, status, active version (`active_workflow_version_id`) and the ' +
          'settings of the active version (or the latest when none is active). A scheduled trigger needs a valid ' +
          '`interval` and `timezone`, and no required input without a default.',
        security: bearer(Scope.Manage),
        params: IdParams,
        body: WorkflowPatchBody,
        response: {
          200: WorkflowObject,
          422: Type.Unsafe({ ...PatchValidationAnswer, description: 'Fields at fault, in the reference shape.' }),
          ...errorResponses(400, ...MANAGEMENT_ERRORS, 404, 415),
        },
      },
      handler: async (request) => {
        const id = idOf(request);
        await catalog.updateWorkflow(id, request.body);
        return present(id);
      },
    },
    DELETE: {
      preHandler: manage,
      schema: {
        tags: ['Workflows'],
        summary: 'Delete a workflow',
        security: bearer(Scope.Manage),
        params: IdParams,
        response: { 200: SuccessAnswer, ...errorResponses(...MANAGEMENT_ERRORS, 404) },
      },
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
      schema: {
        tags: ['Workflows'],
        summary: 'Trigger settings and credentials (**ext**)',
        security: bearer(Scope.Manage),
        params: IdParams,
        response: { 200: SettingsObject, ...errorResponses(...MANAGEMENT_ERRORS, 404) },
      },
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
      schema: {
        tags: ['Workflows'],
        summary: 'Rotate the trigger credentials (**ext**)',
        description: 'New API token and basic credentials; the old ones stop working at once.',
        security: bearer(Scope.Manage),
        params: IdParams,
        response: { 200: SettingsObject, ...errorResponses(...MANAGEMENT_ERRORS, 404) },
      },
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
      schema: {
        tags: ['Versions'],
        summary: 'Export a workflow version',
        description: 'The version as an import document. Default the active version (else the latest).',
        security: bearer(Scope.Manage),
        params: IdParams,
        querystring: Type.Object({
          version: Type.Optional(Type.String({ description: 'A version number, or `latest`.', examples: ['latest'] })),
        }),
        response: { 200: WorkflowDocumentSchema, ...errorResponses(400, ...MANAGEMENT_ERRORS, 404) },
      },
      handler: async (request) => {
        const version = queryString(request.query as Record<string, unknown>, 'version', 64);
        return catalog.exportVersion(idOf(request), version);
      },
    },
  });

  route(app, '/workflows/:id/versions', {
    GET: {
      preHandler: view,
      schema: {
        tags: ['Versions'],
        summary: 'List versions',
        security: bearer(Scope.View),
        params: IdParams,
        querystring: ListQuery({}),
        response: {
          200: Type.Object({ data: Type.Array(VersionSummary) }),
          ...errorResponses(...MANAGEMENT_ERRORS, 404),
        },
      },
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
      schema: {
        tags: ['Workflows'],
        summary: 'Run a workflow',
        description:
          'Starts a run of the active version in standard mode (the callout trigger must be on). The body and the ' +
          'query string carry the inputs. With the id of a run: 409.',
        security: bearer(Scope.Run),
        params: IdParams,
        body: AnyObject('Input parameters by their request name (optional).'),
        response: { 200: RunMetadata, ...errorResponses(400, ...MANAGEMENT_ERRORS, 404, 406, 409, 415) },
      },
      handler: async (request, reply) => {
        const id = idOf(request);
        const target = await catalog.triggerTarget(id);
        if (!target) {
          const asRun = await context.store.reads.getRun(id);
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

/** `workflow_definition_id`: a positive integer; anything else is a 400 naming it. */
function parseDefinitionId(raw: string): number {
  if (!/^[1-9]\d{0,14}$/.test(raw)) {
    throw new InvalidRequestError('workflow_definition_id must be a workflow id.', 'workflow_definition_id');
  }
  return Number(raw);
}

/** The file's own `workflow.version`, when it has one. */
function fileVersionOf(body: unknown): string | undefined {
  const version = (body as { workflow?: { version?: unknown } } | null)?.workflow?.version;
  return typeof version === 'string' && version !== '' ? version : undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
