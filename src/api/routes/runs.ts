import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidRequestError, NotFoundError } from '../../model/errors.js';
import type { RunResult, RunStatus } from '../../model/statuses.js';
import type { RunMode } from '../../model/records.js';
import type { RunFilter } from '../../store/store.js';
import { Scope } from '../../model/scopes.js';
import type { ApiContext } from '../api-context.js';
import { requireScope } from '../auth/bearer.js';
import { runDetail, runSummary } from '../presenters.js';
import { nextPage, parseId, queryPage, route } from '../route-table.js';
import { bearer, errorResponses, IdParams, MANAGEMENT_ERRORS, Pagination } from '../schemas/common.js';
import { RunDetail, RunListQuery, RunSummary } from '../schemas/run-schemas.js';
import { Type, type Static } from '@sinclair/typebox';

/** Runs (`Workflow::Instance`): list (**ext**), retrieve, stop. */
export function registerRunRoutes(app: FastifyInstance, context: ApiContext): void {
  const { store } = context;
  const view = requireScope(context.clients, Scope.View);
  const run = requireScope(context.clients, Scope.Run);

  const detail = async (id: number) => {
    const found = await store.reads.getRun(id);
    if (!found) throw new NotFoundError(`Workflow run ${id} does not exist.`);
    const tasks = await store.reads.countTasks(id);
    return runDetail(found, tasks, await store.reads.taskExecutionMs(id), context.now());
  };
  const idOf = (request: FastifyRequest): number => parseId((request.params as { id: string }).id, 'Workflow run');

  route(app, '/workflows/workflow_runs', {
    GET: {
      preHandler: view,
      schema: {
        tags: ['Runs'],
        summary: 'List runs (**ext**)',
        description: 'Newest first. Every filter given must match. An unknown query parameter answers 400 naming it.',
        security: bearer(Scope.View),
        querystring: RunListQuery,
        response: {
          200: Type.Object({ data: Type.Array(RunSummary), pagination: Pagination }),
          ...errorResponses(400, ...MANAGEMENT_ERRORS),
        },
      },
      handler: async (request) => {
        const query = request.query as Record<string, unknown>;
        const page = queryPage(query, 100);
        const rows = await store.reads.listRuns(runFilterOf(query as Static<typeof RunListQuery>), {
          offset: (page.page - 1) * page.pageLength,
          limit: page.pageLength + 1,
        });
        const now = context.now();
        return {
          data: rows.slice(0, page.pageLength).map((r) => runSummary(r, now)),
          pagination: {
            page: page.page,
            page_length: page.pageLength,
            next_page: nextPage(request, context.config.publicUrl, page, rows.length > page.pageLength),
          },
        };
      },
    },
  });

  route(app, '/workflows/workflow_runs/:id', {
    GET: {
      preHandler: view,
      schema: {
        tags: ['Runs'],
        summary: 'Retrieve a workflow run',
        security: bearer(Scope.View),
        params: IdParams,
        response: { 200: RunDetail, ...errorResponses(...MANAGEMENT_ERRORS, 404) },
      },
      handler: async (request) => detail(idOf(request)),
    },
  });

  route(app, '/workflows/workflow_runs/:id/stop', {
    PUT: {
      preHandler: run,
      schema: {
        tags: ['Runs'],
        summary: 'Stop a workflow run',
        description:
          'No new task starts; running ones are abandoned (a callout in flight is cut off). The answer is the run: ' +
          '`Stopping` while abandoned tasks wind down, then `Stopped`. A run already final is answered as it is.',
        security: bearer(Scope.Run),
        params: IdParams,
        response: { 200: RunDetail, ...errorResponses(...MANAGEMENT_ERRORS, 404) },
      },
      handler: async (request) => {
        const id = idOf(request);
        if (!(await context.engine.stopRun(id))) throw new NotFoundError(`Workflow run ${id} does not exist.`);
        return detail(id);
      },
    },
  });
}

const TIME = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?))?(Z| UTC|[+-]\d{2}:\d{2})?$/;

/** A time filter as epoch ms: ISO 8601 or the API's own `YYYY-MM-DD HH:MM:SS UTC`; no zone means UTC. */
function parseTimeQuery(text: string, name: string): number {
  const match = TIME.exec(text.trim());
  const zone = match?.[3] === undefined || match[3] === ' UTC' ? 'Z' : match[3];
  const epoch = match?.[1] ? Date.parse(`${match[1]}T${match[2] ?? '00:00'}${zone}`) : NaN;
  if (!Number.isFinite(epoch)) {
    throw new InvalidRequestError(
      `${name} must be a time such as 2026-12-01, 2026-12-01T08:00:00Z or 2026-12-01 08:00:00 UTC.`,
      name,
    );
  }
  return epoch;
}

/** The store's filter from the validated query (the schema has checked the enums and lengths). */
function runFilterOf(query: Static<typeof RunListQuery>): RunFilter {
  const filter: RunFilter = {};
  if (query.workflow_id !== undefined) {
    if (!/^\d{1,15}$/.test(query.workflow_id)) {
      throw new InvalidRequestError('workflow_id must be a workflow id.', 'workflow_id');
    }
    filter.workflowId = Number(query.workflow_id);
  }
  if (query.status !== undefined) filter.status = query.status as RunStatus;
  if (query.result !== undefined) filter.result = query.result as RunResult;
  if (query.mode !== undefined) filter.mode = query.mode as RunMode;
  if (query.created_after !== undefined) filter.createdAfter = parseTimeQuery(query.created_after, 'created_after');
  if (query.created_before !== undefined) {
    filter.createdBefore = parseTimeQuery(query.created_before, 'created_before');
  }
  if (query.input !== undefined && query.input !== '') filter.inputText = query.input;
  return filter;
}
