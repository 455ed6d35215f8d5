import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidRequestError, NotFoundError } from '../../model/errors.js';
import { RunResult, RunStatus } from '../../model/statuses.js';
import { Scope } from '../../model/scopes.js';
import type { ApiContext } from '../api-context.js';
import { requireScope } from '../auth/bearer.js';
import { runDetail, runSummary } from '../presenters.js';
import { nextPage, parseId, queryPage, queryString, route } from '../route-table.js';
import {
  bearer,
  errorResponses,
  IdParams,
  ListQuery,
  MANAGEMENT_ERRORS,
  PageQuery,
  Pagination,
} from '../schemas/common.js';
import { RunDetail, RunSummary } from '../schemas/run-schemas.js';
import { Type } from '@sinclair/typebox';

/** Runs (`Workflow::Instance`): list (**ext**), retrieve, stop. */
export function registerRunRoutes(app: FastifyInstance, context: ApiContext): void {
  const { store } = context;
  const view = requireScope(context.clients, Scope.View);
  const run = requireScope(context.clients, Scope.Run);

  const detail = async (id: number) => {
    const found = await store.getRun(id);
    if (!found) throw new NotFoundError(`Workflow run ${id} does not exist.`);
    const tasks = await store.countTasks(id);
    const instances = await store.listTaskInstances(id);
    const cpuMs = instances.reduce(
      (sum, t) => sum + (t.startedAt !== null && t.endedAt !== null ? t.endedAt - t.startedAt : 0),
      0,
    );
    return runDetail(found, tasks, cpuMs, context.now());
  };
  const idOf = (request: FastifyRequest): number => parseId((request.params as { id: string }).id, 'Workflow run');

  route(app, '/workflows/workflow_runs', {
    GET: {
      preHandler: view,
      schema: {
        tags: ['Runs'],
        summary: 'List runs (**ext**)',
        description: 'Newest first.',
        security: bearer(Scope.View),
        querystring: ListQuery({
          workflow_id: Type.Optional(Type.String({ description: 'Only runs of this workflow.' })),
          status: Type.Optional(
            Type.String({ enum: Object.values(RunStatus), description: 'Only runs in this status.' }),
          ),
          result: Type.Optional(
            Type.String({
              enum: Object.values(RunResult),
              description: 'Only runs with this result (`Error`: a task failed that no Failure branch handled).',
            }),
          ),
          ...PageQuery,
        }),
        response: {
          200: Type.Object({ data: Type.Array(RunSummary), pagination: Pagination }),
          ...errorResponses(400, ...MANAGEMENT_ERRORS),
        },
      },
      handler: async (request) => {
        const query = request.query as Record<string, unknown>;
        const page = queryPage(query, 100);
        const workflowId = queryString(query, 'workflow_id');
        if (workflowId !== undefined && !/^\d{1,15}$/.test(workflowId)) {
          throw new InvalidRequestError('workflow_id must be a workflow id.', 'workflow_id');
        }
        const status = queryString(query, 'status');
        if (status !== undefined && !(Object.values(RunStatus) as string[]).includes(status)) {
          throw new InvalidRequestError(`status must be one of ${Object.values(RunStatus).join(', ')}.`, 'status');
        }
        const result = queryString(query, 'result');
        if (result !== undefined && !(Object.values(RunResult) as string[]).includes(result)) {
          throw new InvalidRequestError(`result must be one of ${Object.values(RunResult).join(', ')}.`, 'result');
        }
        const rows = await store.listRuns(
          {
            ...(workflowId !== undefined ? { workflowId: Number(workflowId) } : {}),
            ...(status !== undefined ? { status: status as RunStatus } : {}),
            ...(result !== undefined ? { result: result as RunResult } : {}),
          },
          { offset: (page.page - 1) * page.pageLength, limit: page.pageLength + 1 },
        );
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
