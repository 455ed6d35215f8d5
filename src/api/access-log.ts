import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * Access logs: one `debug` line per answered request ("request answered": method, path, route,
 * status, time, client address), through Fastify's log controller. The query string is left out:
 * trigger inputs travel there. Below `debug` the controller is off, as before, and a request pays one
 * boolean test for it.
 */
export class AccessLogController extends LogController {
  constructor(isEnabled: boolean) {
    super({ disableRequestLogging: !isEnabled });
  }

  /** One line per request, written when it is answered. */
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const fields = {
      method: request.method,
      path: request.url.split('?', 1)[0],
      route: request.routeOptions.url ?? null,
      statusCode: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 100) / 100,
      remoteAddress: request.ip,
    };
    if (error) reply.log.warn({ ...fields, err: error }, 'request answered with a broken response');
    else reply.log.debug(fields, 'request answered');
  }
}
