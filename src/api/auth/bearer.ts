import type { FastifyRequest } from 'fastify';
import { BearerTokenError, InsufficientScopeError } from '../../model/errors.js';
import type { Scope } from '../../model/scopes.js';
import type { OAuthClients, Principal } from '../../management/oauth-clients.js';

/**
 * Management API authentication: `Authorization: Bearer <token>` with the scope the operation needs.
 * Returns a Fastify preHandler; the verified principal is kept on the request.
 */
export function requireScope(clients: OAuthClients, scope: Scope) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (header === undefined || header.trim() === '') {
      throw new BearerTokenError('Send an OAuth access token: Authorization: Bearer <token>.', true);
    }
    const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header);
    if (!match?.[1]) throw new BearerTokenError('The Authorization header must be "Bearer <token>".', false);
    const principal = await clients.verifyToken(match[1]);
    if (!principal.scopes.includes(scope)) throw new InsufficientScopeError(scope);
    (request as FastifyRequest & { principal?: Principal }).principal = principal;
  };
}

/** The client a request was authenticated as (after `requireScope`). */
export function principalOf(request: FastifyRequest): Principal | undefined {
  return (request as FastifyRequest & { principal?: Principal }).principal;
}
