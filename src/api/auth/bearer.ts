import type { FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose/jwt/decode';
import { BearerTokenError, InsufficientScopeError } from '../../model/errors.js';
import type { Scope } from '../../model/scopes.js';
import type { OAuthClients, Principal } from '../../management/oauth-clients.js';
import { logAuthFailure } from './auth-failures.js';

/**
 * Management API authentication: `Authorization: Bearer <token>` with the scope the operation needs.
 * Returns a Fastify preHandler; the verified principal is kept on the request. Every refusal is logged
 * (`auth-failures.ts`).
 */
export function requireScope(clients: OAuthClients, scope: Scope) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (header === undefined || header.trim() === '') {
      logAuthFailure(request, { scheme: 'none', reason: 'no bearer token' });
      throw new BearerTokenError('Send an OAuth access token: Authorization: Bearer <token>.', true);
    }
    const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header);
    if (!match?.[1]) {
      logAuthFailure(request, { scheme: 'bearer', reason: 'malformed Authorization header' });
      throw new BearerTokenError('The Authorization header must be "Bearer <token>".', false);
    }
    let principal: Principal;
    try {
      principal = await clients.verifyToken(match[1]);
    } catch (error) {
      if (error instanceof BearerTokenError) {
        const clientId = claimedClientId(match[1]);
        logAuthFailure(request, { scheme: 'bearer', reason: error.title, ...(clientId ? { clientId } : {}) });
      }
      throw error;
    }
    if (!principal.scopes.includes(scope)) {
      logAuthFailure(request, { scheme: 'bearer', reason: `missing scope ${scope}`, clientId: principal.clientId });
      throw new InsufficientScopeError(scope);
    }
    (request as FastifyRequest & { principal?: Principal }).principal = principal;
  };
}

/** The `sub` a refused token names, read without verifying it (for the log only), if it has one. */
function claimedClientId(token: string): string | undefined {
  try {
    const { sub } = decodeJwt(token);
    return typeof sub === 'string' ? sub : undefined;
  } catch {
    return undefined;
  }
}

/** The client a request was authenticated as (after `requireScope`). */
export function principalOf(request: FastifyRequest): Principal | undefined {
  return (request as FastifyRequest & { principal?: Principal }).principal;
}
