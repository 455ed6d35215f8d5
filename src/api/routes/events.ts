import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { EventTriggers } from '../../management/event-triggers.js';
import { InvalidRequestError } from '../../model/errors.js';
import type { JsonObject } from '../../model/records.js';
import { Scope } from '../../model/scopes.js';
import type { ApiContext } from '../api-context.js';
import { principalOf, requireScope } from '../auth/bearer.js';
import { runMetadata } from '../presenters.js';
import { route } from '../route-table.js';
import { AnyObject, bearer, errorResponses, MANAGEMENT_ERRORS } from '../schemas/common.js';
import { RunMetadata } from '../schemas/run-schemas.js';

const EVENT_NAME = /^[A-Za-z0-9_.:-]{1,255}$/;

/** `POST /events/{event_name}` (**ext**): starts the event-triggered workflows that name the event. */
export function registerEventRoutes(app: FastifyInstance, context: ApiContext): void {
  const events = new EventTriggers({
    store: context.store,
    catalog: context.catalog,
    engine: context.engine,
    now: context.now,
  });
  route(app, '/events/:event_name', {
    POST: {
      preHandler: requireScope(context.clients, Scope.Run),
      schema: {
        tags: ['Trigger'],
        summary: 'Send an event (**ext**)',
        description:
          'Starts a standard run of every active workflow whose active version names the event ' +
          '(`event_trigger`, `parameters.event_triggers`), its `event_parameters` mapped into `Data.<object>.<key>` ' +
          'from the JSON body as the reference maps billing events (`<Invoice.Id>` is key `Invoice.Id` of the ' +
          'body; `<Event.Category>`, `<Event.Date>`, `<Event.Timestamp>`, `<Functions.Today>`, `<Tenant.ID>`). ' +
          'Answers the runs started (none is a 200 too). `Idempotency-Key` is applied per workflow, as on /run.',
        security: bearer(Scope.Run),
        params: Type.Object({ event_name: Type.String({ examples: ['BillingRunCompletion'] }) }),
        body: AnyObject('The event: its keys are what `event_parameters` tokens read.'),
        response: {
          200: Type.Object({ event: Type.String(), runs: Type.Array(RunMetadata) }),
          ...errorResponses(400, ...MANAGEMENT_ERRORS, 415),
        },
      },
      handler: async (request) => {
        const eventName = (request.params as { event_name: string }).event_name;
        if (!EVENT_NAME.test(eventName)) {
          throw new InvalidRequestError('event_name must be 1 to 255 letters, digits, _ . : or -.', 'event_name');
        }
        const body = request.body ?? {};
        if (typeof body !== 'object' || body === null || Array.isArray(body)) {
          throw new InvalidRequestError('The body must be a JSON object (the event).', 'body');
        }
        const key = request.headers['idempotency-key'];
        if (key !== undefined && (typeof key !== 'string' || key === '' || key.length > 255)) {
          throw new InvalidRequestError('Idempotency-Key must be 1 to 255 characters, sent once.', 'Idempotency-Key');
        }
        const runs = await events.fire({
          eventName,
          body: body as JsonObject,
          runUser: principalOf(request)?.clientId ?? 'api',
          idempotencyKey: key ?? null,
        });
        return { event: eventName, runs: runs.map(runMetadata) };
      },
    },
  });
}
