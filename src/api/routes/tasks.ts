import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidRequestError, NotFoundError, SearchTimeoutError, TaskBatchError } from '../../model/errors.js';
import type { TaskInstanceRecord } from '../../model/records.js';
import { SEARCH_DEADLINE_MS } from '../../store/history-search.js';
import { Scope } from '../../model/scopes.js';
import { TaskStatus } from '../../model/statuses.js';
import type { ApiContext } from '../api-context.js';
import { requireScope } from '../auth/bearer.js';
import { setupTaskObject } from '../task-presenter.js';
import { taskInstanceReader } from '../task-instance-reader.js';
import { nextPage, parseId, queryBoolean, queryPage, queryString, route } from '../route-table.js';
import { BooleanQuery, bearer, ListQuery, PageQuery } from '../schemas/common.js';
import { SetupTasks, type SetupTaskUpdate } from '../../management/setup-tasks.js';
import { hasDefinitionFilter, matchesTask, type TaskDefinitionFilter } from '../../management/task-filters.js';
import { Type } from '@sinclair/typebox';

/** Tasks and task instances (`/workflows/tasks...`): list, retrieve, batch update (reruns and approvals: task-actions.ts). */
export function registerTaskRoutes(app: FastifyInstance, context: ApiContext): void {
  const { store, engine } = context;
  const view = requireScope(context.clients, Scope.View);
  const run = requireScope(context.clients, Scope.Run);
  const idOf = (request: FastifyRequest): number => parseId((request.params as { id: string }).id, 'Task');
  const setupTasks = new SetupTasks({ store, versions: engine.versions, catalog: context.catalog, now: context.now });

  const { present, instanceOf } = taskInstanceReader(context);

  route(app, '/workflows/tasks', {
    GET: {
      preHandler: view,
      schema: {
        tags: ['Tasks'],
        summary: 'List workflow tasks',
        description:
          'Task instances (`instance=true`, default; `workflow_id` a run) or the tasks of a version ' +
          '(`instance=false`; `workflow_id` the version). Every filter given must match; `tags[]` matches any of ' +
          'its values. `object`, `object_id`, `call_type` and `tags[]` are properties of the task a task instance ' +
          'is a copy of.',
        security: bearer(Scope.View),
        querystring: ListQuery({
          id: Type.Optional(Type.String()),
          name: Type.Optional(Type.String()),
          instance: BooleanQuery('true: task instances (default); false: tasks of the version workflow_id.'),
          action_type: Type.Optional(Type.String()),
          object: Type.Optional(Type.String()),
          object_id: Type.Optional(Type.String()),
          call_type: Type.Optional(Type.String()),
          workflow_id: Type.Optional(Type.String({ description: 'A run (instances) or a version (instance=false).' })),
          status: Type.Optional(Type.String({ enum: Object.values(TaskStatus) })),
          'tags[]': Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
          ...PageQuery,
        }),
      },
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
        const status = queryString(query, 'status');
        if (status !== undefined && !(Object.values(TaskStatus) as string[]).includes(status)) {
          throw new InvalidRequestError(`status must be one of ${Object.values(TaskStatus).join(', ')}.`, 'status');
        }
        const tags = query['tags[]'];
        const filter = {
          ...optional('id', id === undefined ? undefined : Number(id)),
          ...optional('name', queryString(query, 'name')),
          ...optional('actionType', queryString(query, 'action_type')),
          ...optional('object', queryString(query, 'object')),
          ...optional('objectId', queryString(query, 'object_id')),
          ...optional('callType', queryString(query, 'call_type')),
          ...optional('tags', tags === undefined ? undefined : Array.isArray(tags) ? tags.map(String) : [String(tags)]),
        };
        const pagination = (hasMore: boolean) => ({
          page: page.page,
          page_length: page.pageLength,
          next_page: nextPage(request, context.config.publicUrl, page, hasMore),
        });
        const start = (page.page - 1) * page.pageLength;
        if (!isInstance) {
          // Tasks of a version (workflow_id names the version, `Workflow::Setup`, as in the reference).
          if (workflowId === undefined) {
            throw new InvalidRequestError(
              'With instance=false, workflow_id must name a workflow version.',
              'workflow_id',
            );
          }
          if (status !== undefined) {
            throw new InvalidRequestError('Tasks of a version have no status; filter task instances.', 'status');
          }
          const version = await store.catalog.getVersion(Number(workflowId));
          const tasks = (version?.document.tasks ?? []).filter((t) => matchesTask(t, filter));
          const data = tasks.slice(start, start + page.pageLength).map((t) => setupTaskObject(t, Number(workflowId)));
          return { data, pagination: pagination(tasks.length > start + page.pageLength) };
        }
        const storeFilter = {
          ...(filter.id !== undefined ? { id: filter.id } : {}),
          ...(workflowId !== undefined ? { runId: Number(workflowId) } : {}),
          ...(filter.name !== undefined ? { name: filter.name } : {}),
          ...(filter.actionType !== undefined ? { actionType: filter.actionType } : {}),
          ...(status !== undefined ? { status: status as TaskStatus } : {}),
        };
        if (hasDefinitionFilter(filter)) {
          const found = (await matchingTaskInstances(storeFilter, filter, start + page.pageLength + 1)).slice(start);
          // Data is read for the page only, not for every instance the scan looked at.
          const views = await store.reads.taskInstanceViews(found.slice(0, page.pageLength));
          const data = await Promise.all(views.map(present));
          return { data, pagination: pagination(found.length > page.pageLength) };
        }
        const rows = await store.reads.findTaskInstances(storeFilter, { offset: start, limit: page.pageLength + 1 });
        const data = await Promise.all(rows.slice(0, page.pageLength).map(present));
        return { data, pagination: pagination(rows.length > page.pageLength) };
      },
    },
  });

  /**
   * Task instances whose task matches `filter` (task properties the store does not index), newest first,
   * without their `Data`: the store's matches are read in batches and filtered here, until `wanted` are
   * found. Past SCAN_LIMIT instances read the filter is refused rather than answered partly, and past the
   * search deadline (all batches together) it fails as one search would.
   */
  const matchingTaskInstances = async (
    storeFilter: Parameters<typeof store.reads.findTaskInstanceRecords>[0],
    filter: TaskDefinitionFilter,
    wanted: number,
  ): Promise<TaskInstanceRecord[]> => {
    const found: TaskInstanceRecord[] = [];
    const deadline = Date.now() + SEARCH_DEADLINE_MS;
    for (let offset = 0; found.length < wanted; offset += SCAN_BATCH) {
      if (offset >= SCAN_LIMIT) {
        throw new InvalidRequestError(
          `These filters match among more than ${SCAN_LIMIT} task instances; add workflow_id (a run) to narrow them.`,
          'workflow_id',
        );
      }
      if (Date.now() >= deadline) throw new SearchTimeoutError('deadline', SEARCH_DEADLINE_MS);
      const batch = await store.reads.findTaskInstanceRecords(storeFilter, { offset, limit: SCAN_BATCH });
      for (const instance of batch) {
        const definition = (await engine.versions.get(instance.versionId))?.tasks.get(instance.taskId)?.definition;
        if (definition && matchesTask(definition, filter)) found.push(instance);
      }
      if (batch.length < SCAN_BATCH) break;
    }
    return found;
  };

  route(app, '/workflows/tasks/batch_update', {
    PUT: {
      preHandler: run,
      handler: async (request) => {
        const body = request.body as { data?: unknown } | undefined;
        const items = body?.data;
        if (!Array.isArray(items) || items.length < 1 || items.length > 50) {
          throw new TaskBatchError(400, 'Data not present or not in array.');
        }
        const ids = items.map((item, i) => parseBatchId(item, i));
        const instances = await Promise.all(ids.map((id) => store.reads.getTaskInstance(id)));
        // Validated whole before anything is written: all or nothing.
        const instanceUpdates = items.flatMap((item, i) => (instances[i] ? [parseTaskUpdate(item, i)] : []));
        const setupUpdates = items.flatMap((item, i) => (instances[i] ? [] : [parseSetupTaskUpdate(item, i)]));
        const setupFound = await setupTasks.find(setupUpdates.map((u) => u.id));
        if (setupUpdates.some((u) => !setupFound.has(u.id))) throw new TaskBatchError(404, 'Missing ids for tasks.');
        for (const update of instanceUpdates) {
          const instance = instances.find((candidate) => candidate?.id === update.id);
          if (update.status === 'Stopped' && instance?.status !== 'Queued' && instance?.status !== 'Pending') {
            throw new InvalidRequestError(
              `Task ${update.id} is not Queued or Pending; it cannot be stopped.`,
              'status',
            );
          }
        }
        const updated = setupUpdates.length > 0 ? await setupTasks.update(setupUpdates) : { missing: [], tasks: [] };
        if (updated.missing.length > 0) throw new TaskBatchError(404, 'Missing ids for tasks.');
        for (const update of instanceUpdates) {
          if (update.status === 'Stopped' && !(await engine.stopTaskInstance(update.id))) {
            throw new InvalidRequestError(
              `Task ${update.id} is not Queued or Pending; it cannot be stopped.`,
              'status',
            );
          }
        }
        const setupById = new Map(updated.tasks.map((t) => [Number(t.task.id), t]));
        const data = await Promise.all(
          ids.map(async (id, i) => {
            if (instances[i]) return present(await instanceOf(id));
            const setup = setupById.get(id);
            if (!setup) throw new TaskBatchError(404, 'Missing ids for tasks.');
            return setupTaskObject(setup.task, setup.version.id);
          }),
        );
        return { data, pagination: { page: null, page_length: null, next_page: null } };
      },
    },
  });

  route(app, '/workflows/tasks/:id', {
    GET: {
      preHandler: view,
      handler: async (request) => {
        const id = idOf(request);
        const instance = await store.reads.getTaskInstance(id);
        if (instance) return present(instance);
        // Tasks and task instances share one id sequence: an id that is no instance may be a task of a version.
        const setup = (await setupTasks.find([id])).get(id);
        if (!setup) throw new NotFoundError(`Task ${id} does not exist.`);
        return setupTaskObject(setup.task, setup.version.id);
      },
    },
  });
}

const SCAN_BATCH = 500;
const SCAN_LIMIT = 100_000;

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function batchField(index: number, name: string): string {
  return `data[${index}].${name}`;
}

/** The id of one batch item (an object with a positive integer `id`). */
function parseBatchId(item: unknown, index: number): number {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    throw new InvalidRequestError(`data[${index}] must be an object with an id.`, `data[${index}]`);
  }
  const id = (item as Record<string, unknown>).id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) {
    throw new InvalidRequestError(`${batchField(index, 'id')} must be a task id.`, batchField(index, 'id'));
  }
  return id;
}

/**
 * One batch item for a task instance. On task instances Weir supports `status: "Stopped"` (stop waiting
 * work, e.g. an approval nobody will give); the other fields belong to the task, in its version.
 */
function parseTaskUpdate(item: unknown, index: number): { id: number; status?: 'Stopped' } {
  const id = parseBatchId(item, index);
  const record = item as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (key !== 'id' && key !== 'status') {
      throw new InvalidRequestError(
        `${batchField(index, key)} cannot be changed on a task instance; only status (to Stopped) can.`,
        batchField(index, key),
      );
    }
  }
  if (record.status === undefined) return { id };
  if (record.status !== 'Stopped') {
    throw new InvalidRequestError(
      `${batchField(index, 'status')} can only be set to Stopped.`,
      batchField(index, 'status'),
    );
  }
  return { id, status: 'Stopped' };
}

const PRIORITIES = ['High', 'Medium', 'Low'] as const;

/** One batch item for a task of a version: `name`, `tags`, `concurrent_limit`, `priority`, as the reference. */
function parseSetupTaskUpdate(item: unknown, index: number): SetupTaskUpdate {
  const id = parseBatchId(item, index);
  const record = item as Record<string, unknown>;
  const update: SetupTaskUpdate = { id };
  for (const [key, value] of Object.entries(record)) {
    const field = batchField(index, key);
    switch (key) {
      case 'id':
        break;
      case 'name':
        if (typeof value !== 'string' || value.trim() === '' || value.length > 255) {
          throw new InvalidRequestError(`${field} must be a name of 1 to 255 characters.`, field);
        }
        update.name = value;
        break;
      case 'tags':
        if (!Array.isArray(value) || value.length > 100 || value.some((t) => typeof t !== 'string' || t.length > 255)) {
          throw new InvalidRequestError(`${field} must be an array of at most 100 strings.`, field);
        }
        update.tags = value as string[];
        break;
      case 'concurrent_limit':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 9999999) {
          throw new InvalidRequestError(`${field} must be a whole number from 1 to 9999999.`, field);
        }
        update.concurrent_limit = value;
        break;
      case 'priority':
        if (!(PRIORITIES as readonly unknown[]).includes(value)) {
          throw new InvalidRequestError(`${field} must be one of ${PRIORITIES.join(', ')}.`, field);
        }
        update.priority = value as SetupTaskUpdate['priority'];
        break;
      default:
        throw new InvalidRequestError(
          `${field} cannot be changed on a task of a version; name, tags, concurrent_limit and priority can.`,
          field,
        );
    }
  }
  return update;
}
