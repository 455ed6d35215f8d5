import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { PREPARE_TOOLS } from '../../engine/compiled-version.js';
import type { TaskTestResult } from '../../engine/task-testing.js';
import { fieldOf } from '../../management/document-validation.js';
import { maskedSecretPaths, restoreMaskedSecrets, SECRET_MASK } from '../../model/callout-secrets.js';
import { InsufficientScopeError, InvalidRequestError, NotFoundError } from '../../model/errors.js';
import { Scope } from '../../model/scopes.js';
import { TaskDefinitionSchema, type TaskDefinition } from '../../model/workflow-document.js';
import { taskTypeOf } from '../../tasks/registry.js';
import { TaskParameterError, type TaskType } from '../../tasks/task-type.js';
import { TemplateError } from '../../template/index.js';
import type { ApiContext } from '../api-context.js';
import { principalOf, requireScope } from '../auth/bearer.js';
import { readBodyFields, readData } from '../data-body.js';
import { parseId, route } from '../route-table.js';
import { AnyObject, bearer, errorResponses, MANAGEMENT_ERRORS } from '../schemas/common.js';

/** A called workflow's run is waited for this long before the test answers `Pending` with its id. */
const SUB_RUN_WAIT_MS = 30_000;
const taskChecker = TypeCompiler.Compile(TaskDefinitionSchema);

const TestParams = Type.Object({
  id: Type.String({ description: 'The workflow id.', examples: ['7'] }),
  version_id: Type.String({ description: 'A version of that workflow (its id).', examples: ['12'] }),
  task_id: Type.String({ description: 'A task of that version (its id).', examples: ['40'] }),
});

const TestBody = Type.Object(
  {
    data: Type.Optional(AnyObject('The sample input Data (default {}): a JSON object, at most 5 MiB.')),
    task: Type.Optional(
      AnyObject(
        'The task as edited (`name`, `action_type`, `parameters`), tested instead of the stored one. Secrets shown ' +
          'as `********` are taken from the stored task (same id, else same name). Needs workflow:manage too.',
      ),
    ),
    confirm_side_effects: Type.Optional(
      Type.Boolean({
        description:
          'Must be true to test a task that reaches outside Weir (Callout, Email, Execute::WorkflowTask): the test ' +
          'really sends the request, the mail, or starts the run.',
      }),
    ),
  },
  { additionalProperties: false },
);

const TestAnswer = Type.Object({
  task: Type.Object({
    id: Type.Union([Type.Integer(), Type.String()]),
    name: Type.String(),
    action_type: Type.String(),
  }),
  side_effects: Type.Boolean({ description: 'Whether the test reached outside Weir (it really sent).' }),
  status: Type.Union([Type.Literal('Success'), Type.Literal('Error'), Type.Literal('Pending')]),
  hook: Type.Union([Type.String(), Type.Null()], { description: 'The hook a run would fire (Failure on error).' }),
  data_out: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  log: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([
    Type.Object({
      error_class: Type.String(),
      message: Type.String(),
      details: Type.Union([Type.String(), Type.Null()]),
    }),
    Type.Null(),
  ]),
  waiting_on: Type.Union([Type.String(), Type.Null()], { description: 'What a run would wait for (Pending).' }),
  due_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  branches: Type.Union([Type.Array(Type.Record(Type.String(), Type.Unknown())), Type.Null()]),
  sub_run_id: Type.Union([Type.Integer(), Type.Null()]),
  response: Type.Union(
    [Type.Object({ code: Type.Integer(), body: Type.Unknown(), result: Type.String() }), Type.Null()],
    { description: "A response task's answer: what /sync would answer, and the run's result it sets." },
  ),
  duration_ms: Type.Integer(),
});

/**
 * `POST /workflows/{id}/versions/{version_id}/tasks/{task_id}/test` (**ext**, "Test this task"): one
 * attempt of one task with sample `Data`, executed as a run would execute it, outside any run.
 */
export function registerTaskTestRoutes(app: FastifyInstance, context: ApiContext): void {
  const runScope = requireScope(context.clients, Scope.Run);

  route(app, '/workflows/:id/versions/:version_id/tasks/:task_id/test', {
    POST: {
      preHandler: runScope,
      // The body is read by the handler, naming the field at fault.
      isSchemaDescriptive: true,
      schema: {
        tags: ['Tasks'],
        summary: 'Test a task',
        description:
          '**ext**. Runs one task of a version once with sample `Data`, as a run would run it (the same task types, ' +
          'sandbox, template limits, egress policy and `GlobalConstants`), without starting a run: nothing is stored ' +
          'and no next task starts. Answers its output `Data`, the hook it fired, its log and error. Waits a run ' +
          "would make (a Delay, an Approval, a retry, an Iterate's branches) are answered as `Pending` with what it " +
          'waits for. A task that reaches outside Weir (Callout, Email, Execute::WorkflowTask) really does so, and ' +
          "is refused unless `confirm_side_effects` is true; a called workflow's run is waited for up to 30 s.",
        security: bearer(Scope.Run),
        params: TestParams,
        body: TestBody,
        response: { 200: TestAnswer, ...errorResponses(400, ...MANAGEMENT_ERRORS, 404, 413, 415) },
      },
      handler: async (request, reply) => {
        const params = request.params as { id: string; version_id: string; task_id: string };
        const workflowId = parseId(params.id, 'Workflow');
        const versionId = parseId(params.version_id, 'Workflow version');
        const taskId = parseId(params.task_id, 'Task');
        const body = readBodyFields(request.body, ['data', 'task', 'confirm_side_effects']);
        const data = body['data'] === undefined ? {} : readData(body['data'], 'data');
        const confirmed = body['confirm_side_effects'] ?? false;
        if (typeof confirmed !== 'boolean') {
          throw new InvalidRequestError('confirm_side_effects must be true or false.', 'confirm_side_effects');
        }
        const version = await context.store.catalog.getVersion(versionId);
        if (!version || version.workflowId !== workflowId) {
          throw new NotFoundError(`Workflow ${workflowId} has no version ${versionId}.`);
        }
        const stored = version.document.tasks.find((t) => String(t.id) === String(taskId));
        const edited =
          body['task'] === undefined ? undefined : readTask(body['task'], taskId, stored, version.document.tasks);
        if (edited && !principalOf(request)?.scopes.includes(Scope.Manage))
          throw new InsufficientScopeError(Scope.Manage);
        const definition = edited ?? stored;
        if (!definition) throw new NotFoundError(`Version ${versionId} has no task ${taskId}.`);
        const type = taskTypeOf(definition.action_type);
        if (!type) {
          throw new InvalidRequestError(
            `Weir does not run the task type ${definition.action_type}.`,
            'task.action_type',
          );
        }
        const hasSideEffects = type.hasSideEffects !== false;
        if (hasSideEffects && !confirmed) {
          throw new InvalidRequestError(
            `"${definition.name}" is a ${type.actionType} task: testing it really sends its request, mail or run. ` +
              'Send confirm_side_effects: true to test it anyway.',
            'confirm_side_effects',
          );
        }
        const prepared = edited
          ? prepareEdited(type, edited)
          : (await context.engine.versions.get(versionId))?.tasks.get(taskId)?.prepared;
        const signal = abortOnClose(reply);
        const result = await context.engine.testTask({
          workflowId,
          task: { definition, type, prepared },
          data,
          requestedBy: `client ${principalOf(request)?.clientId ?? 'unknown'}`,
          priority: version.settings.priority,
          signal,
          subRunWaitMs: SUB_RUN_WAIT_MS,
        });
        return answerOf(definition, hasSideEffects, result);
      },
    },
  });
}

/** The edited task of the body: a task definition, its masked secrets taken from the stored task. */
function readTask(
  value: unknown,
  taskId: number,
  stored: TaskDefinition | undefined,
  tasks: readonly TaskDefinition[],
): TaskDefinition {
  const candidate =
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? { name: stored?.name ?? `Task ${taskId}`, ...(value as Record<string, unknown>), id: taskId }
      : value;
  if (!taskChecker.Check(candidate)) {
    const [first] = [...taskChecker.Errors(candidate)];
    const field = `task${first?.path ? `.${fieldOf(first.path)}` : ''}`;
    throw new InvalidRequestError(`${field}: ${first?.message ?? 'is not a task'}.`, field);
  }
  const previous = stored ?? tasks.find((t) => t.name === candidate.name);
  const restored = restoreMaskedSecrets(candidate, previous);
  const [masked] = maskedSecretPaths(restored);
  if (masked) {
    const field = `task.parameters.${masked}`;
    throw new InvalidRequestError(
      `${field} is the mask ${SECRET_MASK} and the stored task has no secret there: give the secret itself.`,
      field,
    );
  }
  return restored;
}

/** Prepares an edited task as an import would; unusable parameters are a 400 naming them. */
function prepareEdited(type: TaskType, task: TaskDefinition): unknown {
  try {
    return type.prepare(task, PREPARE_TOOLS);
  } catch (error) {
    if (error instanceof TaskParameterError) {
      throw new InvalidRequestError(error.message, `task.parameters.${error.parameter}`);
    }
    if (error instanceof TemplateError) throw new InvalidRequestError(error.message, 'task.parameters');
    throw error;
  }
}

/** Aborted when the caller goes away before the answer is sent: an attempt in flight is cut off. */
function abortOnClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('The caller went away.'));
  });
  return controller.signal;
}

function answerOf(task: TaskDefinition, hasSideEffects: boolean, result: TaskTestResult) {
  return {
    task: { id: task.id, name: task.name, action_type: task.action_type },
    side_effects: hasSideEffects,
    status: result.status,
    hook: result.hook,
    data_out: result.dataOut,
    log: result.log,
    error: result.error
      ? { error_class: result.error.errorClass, message: result.error.message, details: result.error.details }
      : null,
    waiting_on: result.waitingOn,
    due_at: result.dueAt === null ? null : new Date(result.dueAt).toISOString(),
    branches: result.branches,
    sub_run_id: result.subRunId,
    response: result.response
      ? { code: result.response.code, body: result.response.body, result: result.response.runResult }
      : null,
    duration_ms: Math.max(0, Math.round(result.endedAt - result.startedAt)),
  };
}
