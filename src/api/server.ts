import crypto from 'node:crypto';
import compress from '@fastify/compress';
import formBody from '@fastify/formbody';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type RouteOptions } from 'fastify';
import type { Logger } from 'pino';
import { createLogger } from '../observability/logger.js';
import type { WeirTracing } from '../observability/tracing.js';
import { AccessLogController } from './access-log.js';
import type { ApiContext } from './api-context.js';
import { envelope, toHttpError } from './errors.js';
import { registerEventRoutes } from './routes/events.js';
import { registerGlobalConstantRoutes } from './routes/global-constants.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerMetricsRoutes } from './routes/metrics.js';
import { registerNodeRoutes } from './routes/nodes.js';
import { registerTriggerMetrics } from './trigger-metrics.js';
import { registerTriggerTracing } from './trigger-tracing.js';
import { registerOAuthRoutes } from './routes/oauth.js';
import { registerRunRoutes } from './routes/runs.js';
import { registerTaskActionRoutes } from './routes/task-actions.js';
import { registerTaskTestRoutes } from './routes/task-testing.js';
import { registerTaskRoutes } from './routes/tasks.js';
import { registerTriggerRoutes } from './routes/trigger.js';
import { registerUsageRoutes } from './routes/usage.js';
import { registerVersionRoutes } from './routes/versions.js';
import { registerOpenApi } from './openapi.js';
import { registerWorkflowRoutes } from './routes/workflows.js';
import { registerUiAssets } from './ui-assets.js';

/** Request bodies over 5 MiB get 413 before anything is stored (after decompression: a gzip bomb too). */
export const BODY_LIMIT = 5 * 1024 * 1024;
/** Answers larger than this many bytes are compressed when the client accepts gzip (the reference's 1,000). */
export const COMPRESS_ABOVE_BYTES = 1000;
const TRACK_ID_MAX = 64;

export interface ServerOptions {
  /** Told about every route registered (tests compare them with the API description). */
  onRoute?: (route: RouteOptions) => void;
  /** The process's logger; default one at `config.logLevel` on stdout. */
  logger?: Logger;
  /** Spans of trigger requests, while tracing is on. */
  tracing?: WeirTracing | null;
}

/** Builds the HTTP server: the three surfaces on one port, one error mapper, request ids, the API description. */
export async function buildServer(context: ApiContext, options: ServerOptions = {}): Promise<FastifyInstance> {
  const logger = options.logger ?? createLogger({ level: context.config.logLevel });
  const app = Fastify({
    // Route schemas validate requests without changing them: no coercion (query values stay strings,
    // as the handlers read them), no defaults, no stripped properties.
    ajv: { customOptions: { coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: true } },
    // Secrets never reach the log: the logger redacts credential headers and bodies (observability/logger.ts).
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    // Access logs at `debug` only (a line per request costs the hot path); failures are logged by the error handler.
    logController: new AccessLogController(logger.isLevelEnabled('debug')),
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
  // Before the routes, so every route gets the hooks. A compressed request body is inflated as it is
  // read and Fastify counts the inflated bytes against BODY_LIMIT, so a small bomb is still a 413.
  await app.register(compress, {
    threshold: COMPRESS_ABOVE_BYTES + 1,
    encodings: ['gzip', 'deflate'],
    requestEncodings: ['gzip', 'deflate'],
  });

  // Response schemas describe the answers in /openapi.json; the bodies are sent as the handlers build them.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  if (options.onRoute) app.addHook('onRoute', options.onRoute);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('weir-request-id', request.id);
    // The reference's name for the same 36-character id.
    reply.header('zuora-request-id', request.id);
    const trackId = request.headers['zuora-track-id'];
    if (typeof trackId === 'string' && trackId.length <= TRACK_ID_MAX) reply.header('zuora-track-id', trackId);
  });

  app.setErrorHandler((error, request, reply) => {
    const answer = toHttpError(error);
    // The path, not the URL: a query string carries trigger inputs.
    if (answer.status >= 500) request.log.error({ err: error, path: request.url.split('?', 1)[0] }, 'request failed');
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

  // Before the routes: it records each route's schema as it is registered.
  await registerOpenApi(app);
  registerHealthRoutes(app, context);
  registerMetricsRoutes(app, context);
  registerTriggerMetrics(app, context.metrics);
  if (options.tracing) registerTriggerTracing(app, options.tracing);
  registerOAuthRoutes(app, context);
  registerTriggerRoutes(app, context);
  registerWorkflowRoutes(app, context);
  registerRunRoutes(app, context);
  registerVersionRoutes(app, context);
  registerUsageRoutes(app, context);
  registerTaskRoutes(app, context);
  registerTaskActionRoutes(app, context);
  registerTaskTestRoutes(app, context);
  registerEventRoutes(app, context);
  registerGlobalConstantRoutes(app, context);
  registerNodeRoutes(app, context);
  await registerUiAssets(app);
  return app;
}
