import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidRequestError, TriggerAuthError } from '../../model/errors.js';
import type { ApiContext } from '../api-context.js';
import { logAuthFailure } from '../auth/auth-failures.js';
import { authenticateTrigger, triggerSchemeOf } from '../auth/trigger-credentials.js';
import { rateLimitHook } from '../rate-limits.js';
import { sendRunAnswer } from '../run-answers.js';
import { triggerTraceParent } from '../trigger-tracing.js';
import { route } from '../route-table.js';
import { AnyObject, errorResponses, IdParams } from '../schemas/common.js';
import { RunMetadata } from '../schemas/run-schemas.js';
import { Type } from '@sinclair/typebox';

const TRIGGER_SECURITY: Array<Record<string, string[]>> = [{ apiToken: [] }, { basicAuth: [] }];
const INPUTS = AnyObject('Inputs by their request name; query string and body are merged, the body winning.');

/** The operation descriptions of `/run` and `/sync`, one per method. */
function triggerSchema(mode: 'standard' | 'sync', method: 'GET' | 'POST') {
  const isSync = mode === 'sync';
  return {
    tags: ['Trigger'],
    summary: isSync ? 'Run a workflow in responsive mode' : 'Run a workflow in standard mode',
    description: isSync
      ? 'Runs the workflow (inputs from the query string and the body) and answers with its outcome: 200 the ' +
        'last Data, a response task its code and output, ' +
        '211 queued (a task cannot run responsively), 212 queued (a concurrency limit is reached), 403 a task ' +
        'failed unhandled, 408 not finished in time (the run goes on).'
      : 'Commits a run and answers with its metadata (`Queued`). Inputs come from the query string and the body.',
    security: TRIGGER_SECURITY,
    params: IdParams,
    // The query string carries inputs too (any names), which OpenAPI cannot list; the body is described.
    ...(method === 'POST' ? { body: INPUTS } : {}),
    response: isSync
      ? {
          200: AnyObject('The Data of the last task, or a response task output (with its own code).'),
          211: RunMetadata,
          212: RunMetadata,
          403: Type.Object(
            { error_class: Type.String(), message: Type.String(), run: RunMetadata },
            { description: 'A task failed and nothing handled it.' },
          ),
          ...errorResponses(400, 401, 406, 408, 415, 429),
        }
      : { 200: RunMetadata, ...errorResponses(400, 401, 406, 415, 429) },
  };
}

const ID = /^[1-9]\d{0,14}$/;

/**
 * The trigger API (the seed page): `GET|POST /api/v1/workflows/{id}/run` (standard) and `/sync`
 * (responsive), authenticated per workflow. The hot path: everything it reads is in memory except the
 * one group-committed write of the run.
 */
export function registerTriggerRoutes(app: FastifyInstance, context: ApiContext): void {
  // Off by default (docs/security.md): triggers are the product's traffic, often bursts from one
  // upstream system behind one address, and a 429 there may drop an event its sender never retries;
  // the queue absorbs bursts. Counted before authentication, so per workflow a flood of bad requests
  // would lock its real caller out too: a reason more to leave it to operators who need it.
  const limit = rateLimitHook(app, [
    { scope: 'ip', perMinute: context.config.triggerRateLimitPerIp, key: (request) => request.ip },
    {
      scope: 'workflow',
      perMinute: context.config.triggerRateLimitPerWorkflow,
      key: (request) => (request.params as { id?: string }).id,
    },
  ]);
  const handle = (mode: 'standard' | 'sync') => async (request: FastifyRequest, reply: FastifyReply) => {
    const rawId = (request.params as { id: string }).id;
    // An id that is not a workflow's gets the same 401 as a wrong credential: ids are not disclosed.
    const target = ID.test(rawId) ? await context.catalog.triggerTarget(Number(rawId)) : undefined;
    const runUser = target && authenticateTrigger(request.headers, target);
    if (!target || runUser === undefined) {
      const scheme = triggerSchemeOf(request.headers);
      logAuthFailure(request, {
        scheme,
        reason: !target ? 'no such workflow' : scheme === 'none' ? 'no credentials' : 'wrong credentials',
        workflowId: rawId,
      });
      throw new TriggerAuthError();
    }
    const query = request.query as Record<string, unknown>;
    const body = request.body;
    if (body !== undefined && !isPlainObject(body)) {
      throw new InvalidRequestError('The body must be a JSON object of input parameters.', 'body');
    }
    const params = isPlainObject(body) ? { ...query, ...body } : { ...query };
    const key = request.headers['idempotency-key'];
    const answer = await context.runRequests.run(target, {
      mode,
      params,
      idempotencyKey: typeof key === 'string' ? key : null,
      runUser,
      trace: triggerTraceParent(request),
    });
    return sendRunAnswer(reply, answer, { syncTimeoutSeconds: context.config.syncTimeoutSeconds, now: context.now() });
  };
  for (const [suffix, mode] of [
    ['run', 'standard'],
    ['sync', 'sync'],
  ] as const) {
    route(app, `/api/v1/workflows/:id/${suffix}`, {
      GET: {
        schema: triggerSchema(mode, 'GET'),
        isSchemaDescriptive: true,
        ...(limit ? { preHandler: limit } : {}),
        handler: handle(mode),
      },
      POST: {
        schema: triggerSchema(mode, 'POST'),
        isSchemaDescriptive: true,
        preHandler: limit,
        handler: handle(mode),
      },
    });
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
