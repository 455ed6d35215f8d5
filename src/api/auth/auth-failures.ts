import type { FastifyRequest } from 'fastify';

/** How a failed caller tried to authenticate. */
export type AuthScheme = 'bearer' | 'api-token' | 'basic' | 'client-secret' | 'none';

export interface AuthFailure {
  scheme: AuthScheme;
  /** Why, in a few words (`expired`, `revoked`, `wrong credentials`, ...): never the credential itself. */
  reason: string;
  /** The OAuth client the caller named or its token carried (as sent: not proof of anything). */
  clientId?: string;
  /** The workflow a trigger request named. */
  workflowId?: string;
}

/** Identifiers from the request are the caller's text: bounded, so a log line stays a line. */
const MAX_ID_LENGTH = 128;

/**
 * Logs one authentication failure at `warn`: who (IP, the client id or workflow id the caller named),
 * where (method and path, without the query string, which may carry anything) and why. The credential
 * is never logged, nor any header or body that holds one.
 */
export function logAuthFailure(request: FastifyRequest, failure: AuthFailure): void {
  const fields: Record<string, unknown> = {
    event: 'auth_failure',
    scheme: failure.scheme,
    reason: failure.reason,
    ip: request.ip,
    method: request.method,
    path: request.url.split('?')[0]?.slice(0, 512),
  };
  if (failure.clientId !== undefined) fields.clientId = failure.clientId.slice(0, MAX_ID_LENGTH);
  if (failure.workflowId !== undefined) fields.workflowId = failure.workflowId.slice(0, MAX_ID_LENGTH);
  request.log.warn(fields, 'authentication failed');
}
