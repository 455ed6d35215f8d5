import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OAuthError } from '../../model/errors.js';
import type { ApiContext } from '../api-context.js';
import { logAuthFailure } from '../auth/auth-failures.js';
import { rateLimitHook } from '../rate-limits.js';
import { route } from '../route-table.js';
import { Type } from '@sinclair/typebox';

const OAuthErrorAnswer = Type.Object(
  { error: Type.String(), error_description: Type.Optional(Type.String()) },
  { description: 'RFC 6749 §5.2.' },
);

/** `POST /oauth/token`: the client-credentials grant, form-encoded or JSON, credentials in the body or as HTTP basic. */
export function registerOAuthRoutes(app: FastifyInstance, context: ApiContext): void {
  // On by default: each refused secret costs an scrypt hash (~50 ms of CPU), so a flood of guesses
  // is a denial of service before it is a brute force. Per IP, and per client id named in the request.
  const limit = rateLimitHook(app, [
    { scope: 'ip', perMinute: context.config.tokenRateLimitPerIp, key: (request) => request.ip },
    {
      scope: 'client',
      perMinute: context.config.tokenRateLimitPerClient,
      key: (request) => clientCredentialsOf(request).clientId,
    },
  ]);
  route(app, '/oauth/token', {
    POST: {
      ...(limit ? { preHandler: limit } : {}),
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
          429: { $ref: 'ErrorEnvelope#' },
        },
      },
      handler: async (request, reply) => {
        const { clientId, clientSecret } = clientCredentialsOf(request);
        try {
          const token = await context.clients.issueToken({
            grantType: bodyText(request, 'grant_type'),
            clientId,
            clientSecret,
            scope: bodyText(request, 'scope'),
          });
          return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(token);
        } catch (error) {
          if (error instanceof OAuthError && error.code === 'invalid_client') {
            logAuthFailure(request, {
              scheme: 'client-secret',
              reason: clientId && clientSecret ? 'wrong client id or secret' : 'no client credentials',
              ...(clientId ? { clientId } : {}),
            });
          }
          throw error;
        }
      },
    },
  });
}

/** A string field of the (form or JSON) body. */
function bodyText(request: FastifyRequest, name: string): string | undefined {
  const body = request.body;
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** The client id and secret, from HTTP basic (RFC 6749 §2.3.1: form-encoded inside it) or the body. */
function clientCredentialsOf(request: FastifyRequest): { clientId?: string; clientSecret?: string } {
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(request.headers.authorization ?? '');
  if (basic?.[1]) {
    const pair = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = pair.indexOf(':');
    if (colon > 0)
      return { clientId: safeDecode(pair.slice(0, colon)), clientSecret: safeDecode(pair.slice(colon + 1)) };
  }
  const clientId = bodyText(request, 'client_id');
  const clientSecret = bodyText(request, 'client_secret');
  return { ...(clientId !== undefined ? { clientId } : {}), ...(clientSecret !== undefined ? { clientSecret } : {}) };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}
