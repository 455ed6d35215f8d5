import type { FastifyInstance, FastifyRequest } from 'fastify';
import { initialData } from '../../engine/run-data.js';
import { InvalidRequestError, NotFoundError, TaskBatchError } from '../../model/errors.js';
import type { TaskInstanceRecord } from '../../model/records.js';
import { Scope } from '../../model/scopes.js';
import { TaskStatus } from '../../model/statuses.js';
import type { ApiContext } from '../api-context.js';
import { requireScope } from '../auth/bearer.js';
import { setupTaskObject, taskInstanceObject } from '../task-presenter.js';
import { nextPage, parseId, queryBoolean, queryPage, queryString, route } from '../route-table.js';

/** Tasks and task instances (`/workflows/tasks...`): list, retrieve, rerun, approve/reject (**ext**). */
export function registerTaskRoutes(app: FastifyInstance, context: ApiContext): void {
  const { store, engine } = context;
  const view = requireScope(context.clients, Scope.View);
  const run = requireScope(context.clients, Scope.Run);
  const idOf = (request: FastifyRequest): number => parseId((request.params as { id: string }).id, 'Task');

  const present = async (instance: TaskInstanceRecord) => {
    const version = await engine.versions.get(instance.versionId);
    let dataIn = instance.dataIn;
    if (dataIn === null) {
      const owner = await store.reads.getRun(instance.runId);
      dataIn = owner ? initialData(owner) : null;
    }
    return taskInstanceObject(instance, version?.tasks.get(instance.taskId)?.definition, dataIn);
  };
  const instanceOf = async (id: number) => {
    const instance = await store.reads.getTaskInstance(id);
    if (!instance) throw new NotFoundError(`Task ${id} does not exist.`);
    return instance;
  };

  route(app, '/workflows/tasks', {
    GET: {
      preHandler: view,
      handler: async (request) => {
        const query = request.query as Record<string, unknown>;
        const page = queryPage(query, 100);
        const isInstance = queryBoolean(query, 'instance') ?? true;
        const workflowId = queryString(query, 'workflow_id');
        if (workflowId !== undefined && !/^\d{1,15}$/.test(workflowId)) {
          throw new InvalidRequestError('workflow_id must be an id.', 'workflow_id');
        }
        const id = queryString(query, 'id');
        if (id !== undefined && !/^\d{1,15}$/.test(id)) throw new InvalidRequestError('id must be an id.', 'id');
        const name = queryString(query, 'name');
        const actionType = queryString(query, 'action_type');
        const status = queryString(query, 'status');
        if (status !== undefined && !(Object.values(TaskStatus) as string[]).includes(status)) {
          throw new InvalidRequestError(`status must be one of ${Object.values(TaskStatus).join(', ')}.`, 'status');
        }
        const pagination = (hasMore: boolean) => ({
          page: page.page,
          page_length: page.pageLength,
          next_page: nextPage(request, context.config.publicUrl, page, hasMore),
        });
        if (!isInstance) {
          // Tasks of a version (workflow_id names the version, `Workflow::Setup`, as in the reference).
          if (workflowId === undefined) {
            throw new InvalidRequestError(
              'With instance=false, workflow_id must name a workflow version.',
              'workflow_id',
            );
          }
          const version = await store.catalog.getVersion(Number(workflowId));
          const tasks = (version?.document.tasks ?? []).filter(
            (t) =>
              (name === undefined || t.name === name) && (actionType === undefined || t.action_type === actionType),
          );
          const start = (page.page - 1) * page.pageLength;
          const data = tasks.slice(start, start + page.pageLength).map((t) => setupTaskObject(t, Number(workflowId)));
          return { data, pagination: pagination(tasks.length > start + page.pageLength) };
        }
        const rows = await store.reads.findTaskInstances(
          {
            ...(id !== undefined ? { id: Number(id) } : {}),
            ...(workflowId !== undefined ? { runId: Number(workflowId) } : {}),
            ...(name !== undefined ? { name } : {}),
            ...(actionType !== undefined ? { actionType } : {}),
            ...(status !== undefined ? { status: status as TaskStatus } : {}),
          },
          { offset: (page.page - 1) * page.pageLength, limit: page.pageLength + 1 },
        );
        const data = await Promise.all(rows.slice(0, page.pageLength).map(present));
        return { data, pagination: pagination(rows.length > page.pageLength) };
      },
    },
  });

  route(app, '/workflows/tasks/batch_update', {
    PUT: {
      preHandler: run,
      handler: async (request) => {
        const body = request.body as { data?: unknown } | undefined;
        const items = body?.data;
        if (!Array.isArray(items) || items.length < 1 || items.length > 50) {
          throw new TaskBatchError(400, 'Data not present or not in array.');
        }
        const updates = items.map((item, i) => parseTaskUpdate(item, i));
        const instances = await Promise.all(updates.map((u) => store.reads.getTaskInstance(u.id)));
        if (instances.some((instance) => !instance)) throw new TaskBatchError(404, 'Missing ids for tasks.');
        for (const update of updates) {
          if (update.status === 'Stopped' && !(await engine.stopTaskInstance(update.id))) {
            throw new InvalidRequestError(
              `Task ${update.id} is not Queued or Pending; it cannot be stopped.`,
              'status',
            );
          }
        }
        const data = await Promise.all(updates.map(async (u) => present(await instanceOf(u.id))));
        return { data, pagination: { page: null, page_length: null, next_page: null } };
      },
    },
  });

  route(app, '/workflows/tasks/:id', {
    GET: { preHandler: view, handler: async (request) => present(await instanceOf(idOf(request))) },
  });

  route(app, '/workflows/tasks/:id/rerun', {
    POST: {
      preHandler: run,
      handler: async (request) => {
        const instance = await instanceOf(idOf(request));
        if (instance.rerunBy !== null) {
          throw new InvalidRequestError(
            `Task ${instance.id} was already rerun as task ${instance.rerunBy}; rerun that one.`,
          );
        }
        const rerun = await engine.rerunTaskInstance(instance.id);
        if (!rerun) {
          throw new InvalidRequestError(
            `Task ${instance.id} is ${instance.status}; only a Success, Error or Stopped task of a run that is not stopped can be rerun.`,
          );
        }
        return present(rerun);
      },
    },
  });

  for (const action of ['Approve', 'Reject'] as const) {
    route(app, `/workflows/tasks/:id/${action.toLowerCase()}`, {
      POST: {
        preHandler: run,
        handler: async (request) => {
          const instance = await instanceOf(idOf(request));
          const body = (request.body ?? {}) as Record<string, unknown>;
          if (typeof body !== 'object' || Array.isArray(body)) {
            throw new InvalidRequestError('The body must be a JSON object, e.g. {"comment": "..."}.', 'body');
          }
          const comment = body['comment'] ?? '';
          if (typeof comment !== 'string' || comment.length > 10_000) {
            throw new InvalidRequestError('comment must be a string of at most 10000 characters.', 'comment');
          }
          if (!(await engine.decideApproval(instance.id, { action, comment }))) {
            throw new InvalidRequestError(`Task ${instance.id} is not waiting for an approval.`);
          }
          return present(await instanceOf(instance.id));
        },
      },
    });
  }
}

/**
 * One item of a batch update. On task instances Weir supports `status: "Stopped"` (stop waiting work,
 * e.g. an approval nobody will give); other fields belong to versions and are edited there.
 */
function parseTaskUpdate(item: unknown, index: number): { id: number; status?: 'Stopped' } {
  const field = (name: string): string => `data[${index}].${name}`;
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw new InvalidRequestError(`data[${index}] must be an object with an id.`, `data[${index}]`);
  }
  const record = item as Record<string, unknown>;
  if (typeof record.id !== 'number' || !Number.isSafeInteger(record.id) || record.id < 1) {
    throw new InvalidRequestError(`${field('id')} must be a task id.`, field('id'));
  }
  for (const key of Object.keys(record)) {
    if (key !== 'id' && key !== 'status') {
      throw new InvalidRequestError(
        `${field(key)} cannot be changed on a task instance; only status (to Stopped) can.`,
        field(key),
      );
    }
  }
  if (record.status === undefined) return { id: record.id };
  if (record.status !== 'Stopped') {
    throw new InvalidRequestError(`${field('status')} can only be set to Stopped.`, field('status'));
  }
  return { id: record.id, status: 'Stopped' };
}
