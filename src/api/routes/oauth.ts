import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../api-context.js';
import { route } from '../route-table.js';
import { Type } from '@sinclair/typebox';

const OAuthErrorAnswer = Type.Object(
  { error: Type.String(), error_description: Type.Optional(Type.String()) },
  { description: 'RFC 6749 §5.2.' },
);

/** `POST /oauth/token`: the client-credentials grant, form-encoded or JSON, credentials in the body or as HTTP basic. */
export function registerOAuthRoutes(app: FastifyInstance, context: ApiContext): void {
  route(app, '/oauth/token', {
    POST: {
      // The handler answers in RFC 6749 terms (invalid_request, invalid_client, ...), not the envelope.
      isSchemaDescriptive: true,
      schema: {
        tags: ['OAuth'],
        summary: 'Create an OAuth token',
        description:
          'Client credentials grant, form-encoded (JSON accepted); the client id and secret may come as HTTP basic.',
        body: Type.Object(
          {
            grant_type: Type.Literal('client_credentials'),
            client_id: Type.Optional(Type.String()),
            client_secret: Type.Optional(Type.String()),
            scope: Type.Optional(Type.String({ description: 'Space-separated subset of the client scopes.' })),
          },
          { additionalProperties: true },
        ),
        response: {
          200: Type.Object({
            access_token: Type.String(),
            token_type: Type.Literal('bearer'),
            expires_in: Type.Integer(),
            scope: Type.String(),
            jti: Type.String(),
          }),
          400: OAuthErrorAnswer,
          401: OAuthErrorAnswer,
        },
      },
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
