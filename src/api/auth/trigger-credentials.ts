import type { IncomingHttpHeaders } from 'node:http';
import { matchesDigest } from '../../secrets/secret-box.js';
import type { TriggerTarget } from '../../management/workflow-catalog.js';
import type { AuthScheme } from './auth-failures.js';

/** Which of the trigger API's schemes a request used (for the log of a refusal). */
export function triggerSchemeOf(headers: IncomingHttpHeaders): AuthScheme {
  const token = headers['api-token'];
  if (typeof token === 'string' && token !== '') return 'api-token';
  return typeof headers.authorization === 'string' ? 'basic' : 'none';
}

/**
 * Checks the trigger API's per-workflow credentials: an `API-Token` header, or HTTP basic.
 * Comparison is by SHA-256 digest in constant time. Returns who triggered (for `WorkflowRunUser`),
 * or undefined when the credentials are absent or wrong. Credentials in the query string are ignored.
 */
export function authenticateTrigger(headers: IncomingHttpHeaders, target: TriggerTarget): string | undefined {
  const token = headers['api-token'];
  if (typeof token === 'string' && token !== '') {
    return matchesDigest(token, target.apiTokenDigest) ? 'API Token' : undefined;
  }
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
    if (!match?.[1]) return undefined;
    const pair = Buffer.from(match[1], 'base64').toString('utf8');
    if (!matchesDigest(pair, target.basicDigest)) return undefined;
    return pair.slice(0, pair.indexOf(':'));
  }
  return undefined;
}
