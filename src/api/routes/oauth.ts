import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api-context.js';
import { route } from '../route-table.js';

/** `POST /oauth/token`: the client-credentials grant, form-encoded or JSON, credentials in the body or as HTTP basic. */
export function registerOAuthRoutes(app: FastifyInstance, context: ApiContext): void {
  route(app, '/oauth/token', {
    POST: {
      handler: async (request, reply) => {
        const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<
          string,
          unknown
        >;
        const text = (name: string): string | undefined => {
          const value = body[name];
          return typeof value === 'string' ? value : undefined;
        };
        let clientId = text('client_id');
        let clientSecret = text('client_secret');
        const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(request.headers.authorization ?? '');
        if (basic?.[1]) {
          // RFC 6749 §2.3.1: the id and secret are form-encoded inside the basic credentials.
          const pair = Buffer.from(basic[1], 'base64').toString('utf8');
          const colon = pair.indexOf(':');
          if (colon > 0) {
            clientId = safeDecode(pair.slice(0, colon));
            clientSecret = safeDecode(pair.slice(colon + 1));
          }
        }
        const token = await context.clients.issueToken({
          grantType: text('grant_type'),
          clientId,
          clientSecret,
          scope: text('scope'),
        });
        return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(token);
      },
    },
  });
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}
