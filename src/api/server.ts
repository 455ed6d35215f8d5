import crypto from 'node:crypto';
import formBody from '@fastify/formbody';
import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import type { ApiContext } from './api-context.js';
import { envelope, toHttpError } from './errors.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerOAuthRoutes } from './routes/oauth.js';
import { registerRunRoutes } from './routes/runs.js';
import { registerTriggerRoutes } from './routes/trigger.js';
import { registerWorkflowRoutes } from './routes/workflows.js';

/** Request bodies over 5 MiB get 413 before anything is stored. */
export const BODY_LIMIT = 5 * 1024 * 1024;
const TRACK_ID_MAX = 64;

/** Builds the HTTP server: the three surfaces on one port, one error mapper, request ids. */
export async function buildServer(context: ApiContext): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: context.config.logLevel,
      // Secrets never reach the log, whatever a future log line includes.
      redact: ['req.headers.authorization', 'req.headers["api-token"]', 'req.body', 'res.headers["set-cookie"]'],
    },
    bodyLimit: BODY_LIMIT,
    // Per-request log lines cost the hot path; failures are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => crypto.randomUUID(),
    return503OnClosing: true,
    // Errors Fastify raises before routing (a malformed URL, say) get the envelope too.
    frameworkErrors: (error, _request, reply) => {
      const answer = toHttpError(error);
      void (reply as FastifyReply).code(answer.status).headers(answer.headers).send(answer.body);
    },
  });

  // An empty JSON body is no body (a bodiless POST trigger with a JSON content type is common).
  const jsonParser = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' || (typeof body === 'string' && body.trim() === '')) return done(null, undefined);
    void jsonParser(request, body as string, done);
  });
  await app.register(formBody, { bodyLimit: BODY_LIMIT });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('weir-request-id', request.id);
    const trackId = request.headers['zuora-track-id'];
    if (typeof trackId === 'string' && trackId.length <= TRACK_ID_MAX) reply.header('zuora-track-id', trackId);
  });

  app.setErrorHandler((error, request, reply) => {
    const answer = toHttpError(error);
    if (answer.status >= 500) request.log.error({ err: error, url: request.url }, 'request failed');
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  });

  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(
        envelope([
          { status: 404, code: 'not_found', title: `Nothing is at ${request.method} ${request.url.split('?')[0]}.` },
        ]),
      ),
  );

  registerHealthRoutes(app, context);
  registerOAuthRoutes(app, context);
  registerTriggerRoutes(app, context);
  registerWorkflowRoutes(app, context);
  registerRunRoutes(app, context);
  return app;
}
