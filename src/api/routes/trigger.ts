import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidRequestError, TriggerAuthError } from '../../model/errors.js';
import type { ApiContext } from '../api-context.js';
import { authenticateTrigger } from '../auth/trigger-credentials.js';
import { sendRunAnswer } from '../run-answers.js';
import { route } from '../route-table.js';

const ID = /^[1-9]\d{0,14}$/;

/**
 * The trigger API (the seed page): `GET|POST /api/v1/workflows/{id}/run` (standard) and `/sync`
 * (responsive), authenticated per workflow. The hot path: everything it reads is in memory except the
 * one group-committed write of the run.
 */
export function registerTriggerRoutes(app: FastifyInstance, context: ApiContext): void {
  const handle = (mode: 'standard' | 'sync') => async (request: FastifyRequest, reply: FastifyReply) => {
    const rawId = (request.params as { id: string }).id;
    // An id that is not a workflow's gets the same 401 as a wrong credential: ids are not disclosed.
    const target = ID.test(rawId) ? await context.catalog.triggerTarget(Number(rawId)) : undefined;
    const runUser = target && authenticateTrigger(request.headers, target);
    if (!target || runUser === undefined) throw new TriggerAuthError();
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
    });
    return sendRunAnswer(reply, answer, { syncTimeoutSeconds: context.config.syncTimeoutSeconds, now: context.now() });
  };
  for (const [suffix, mode] of [
    ['run', 'standard'],
    ['sync', 'sync'],
  ] as const) {
    route(app, `/api/v1/workflows/:id/${suffix}`, {
      GET: { handler: handle(mode) },
      POST: { handler: handle(mode) },
    });
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
