import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidRequestError } from '../../model/errors.js';
import { Scope } from '../../model/scopes.js';
import type { ApiContext } from '../api-context.js';
import { principalOf, requireScope } from '../auth/bearer.js';
import { readBodyFields, readData } from '../data-body.js';
import { parseId, route } from '../route-table.js';
import { AnyObject, bearer, errorResponses, IdParams, MANAGEMENT_ERRORS } from '../schemas/common.js';
import { taskInstanceReader } from '../task-instance-reader.js';

/** What an operator does to a task instance: rerun it (with edited `Data`, **ext**), approve or reject it (**ext**). */
export function registerTaskActionRoutes(app: FastifyInstance, context: ApiContext): void {
  const { engine } = context;
  const run = requireScope(context.clients, Scope.Run);
  const idOf = (request: FastifyRequest): number => parseId((request.params as { id: string }).id, 'Task');
  const { present, instanceOf } = taskInstanceReader(context);

  route(app, '/workflows/tasks/:id/rerun', {
    POST: {
      preHandler: run,
      // The body is read here, naming the field at fault (an absent body is a plain rerun).
      isSchemaDescriptive: true,
      schema: {
        tags: ['Tasks'],
        summary: 'Rerun a workflow task',
        description:
          'Makes a new task instance of the same task, in the same place of the graph, with the input `Data` of ' +
          'this one; the run goes on from it. Only a `Success`, `Error` or `Stopped` task instance of a run that is ' +
          'not stopped can be rerun, each once (rerun the newest). **ext**: a body `{"data": {...}}` reruns with ' +
          "that input `Data` instead (a JSON object, at most 5 MiB, at most 100 levels deep); the new instance's " +
          'log names the client that edited it and the paths that changed, never their values.',
        security: bearer(Scope.Run),
        params: IdParams,
        body: Type.Optional(
          Type.Object(
            { data: Type.Optional(AnyObject('**ext**: the input Data to rerun with instead of the recorded one.')) },
            { additionalProperties: false },
          ),
        ),
        response: {
          200: AnyObject("The new task instance (the reference's `Task`, with Weir's fields)."),
          ...errorResponses(400, ...MANAGEMENT_ERRORS, 404, 413, 415),
        },
      },
      handler: async (request) => {
        const instance = await instanceOf(idOf(request));
        const body = readBodyFields(request.body, ['data']);
        const data = body['data'] === undefined ? undefined : readData(body['data'], 'data');
        if (instance.rerunBy !== null) {
          throw new InvalidRequestError(
            `Task ${instance.id} was already rerun as task ${instance.rerunBy}; rerun that one.`,
          );
        }
        const by = principalOf(request)?.clientId;
        const rerun = await engine.rerunTaskInstance(instance.id, {
          ...(data !== undefined ? { data } : {}),
          ...(by !== undefined ? { by } : {}),
        });
        if (!rerun) {
          throw new InvalidRequestError(
            `Task ${instance.id} is ${instance.status}; only a Success, Error or Stopped task of a run that is not stopped can be rerun.`,
          );
        }
        // As inserted (Queued): the input Data it reruns with (recorded, or as edited), no output yet.
        return present({ ...rerun, dataIn: data ?? instance.dataIn, dataOut: null });
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
