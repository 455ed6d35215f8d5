import type { TaskDefinition } from './workflow-document.js';

/**
 * Which parts of a Callout's parameters are secrets, and how answers show them. A secret is
 * written through the API (import, new version) and never read back: every answer that carries
 * task parameters (task lists, task instances, exports) shows `SECRET_MASK` in its place. A
 * new version imported with the mask keeps the secret of the version it replaces.
 *
 * Secrets: `authorization.password` (basic), `.token` (bearer), `.client_secret` (OAuth 2),
 * `.secret` (HMAC), and the values of custom headers whose names say they carry credentials
 * (`X-Api-Key`, `X-Auth-Token`, ...: `isSecretHeaderName`). A value that is only a Liquid
 * reference (`{{ GlobalConstants.ApiKey }}`, or `Bearer {{ GlobalConstants.Token }}`) is not a secret
 * itself and is shown: that is how a task refers to a secret kept in the global constants store.
 */

/** What answers show instead of a secret. */
export const SECRET_MASK = '********';

export const SECRET_AUTHORIZATION_FIELDS = ['password', 'token', 'client_secret', 'secret'] as const;

/** Header name fragments that say a credential: `X-Api-Key`, `X-Auth-Token`, `Cookie`, `X-Signature`... */
const SECRET_NAME = /auth|token|secret|passw(or)?d|credential|session|cookie|signature|api[-_]?key/;
/** Names ending in `key` that are not credentials. */
const NON_SECRET_KEYS = new Set(['idempotency-key', 'cache-key']);

/**
 * Whether a header of this name carries a credential by convention: `Authorization`,
 * `Proxy-Authorization`, `X-Api-Key`, `Ocp-Apim-Subscription-Key`, `X-Auth-Token`, `Cookie`,
 * `X-Signature`... (any name with one of SECRET_NAME's fragments, or a last word `key` other
 * than `Idempotency-Key`).
 */
export function isSecretHeaderName(name: string): boolean {
  const lower = name.toLowerCase();
  if (SECRET_NAME.test(lower)) return true;
  return /(^|[-_])key$/.test(lower) && !NON_SECRET_KEYS.has(lower);
}

/**
 * A value that is a template reference only, e.g. `{{ GlobalConstants.ApiKey }}`, optionally after an
 * authorization scheme word (`Bearer {{ GlobalConstants.Token }}` in an `Authorization` header): no
 * literal in it can be a credential.
 */
const REFERENCE_ONLY = /^\s*(?:(?:Bearer|Basic|Token|Bot|SSWS|ApiKey|Key)\s+)?\{\{[^{}]*\}\}\s*$/i;

/** Whether `value` only refers to a secret (a Liquid reference, e.g. to a global constant) without holding one. */
export function isSecretReference(value: string): boolean {
  return REFERENCE_ONLY.test(value);
}

function isSecretValue(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && !isSecretReference(value);
}

type Parameters = TaskDefinition['parameters'];

/** Applies `replace` to each secret of a Callout's parameters; other tasks are returned as they are. */
/**
 * `replace(value, path, key)`: `path` names the parameter for messages (`headers[0].value`), `key`
 * identifies the secret across versions (`header:x-api-key`, as headers may be reordered).
 */
function mapSecrets(
  task: TaskDefinition,
  replace: (value: string, path: string, key: string) => string,
): TaskDefinition {
  if (task.action_type !== 'Callout') return task;
  const parameters: Parameters = { ...task.parameters };
  const auth = parameters['authorization'];
  if (typeof auth === 'object' && auth !== null && !Array.isArray(auth)) {
    const copy: Record<string, unknown> = { ...(auth as Record<string, unknown>) };
    for (const field of SECRET_AUTHORIZATION_FIELDS) {
      const value = copy[field];
      if (isSecretValue(value)) copy[field] = replace(value, `authorization.${field}`, `authorization.${field}`);
    }
    parameters['authorization'] = copy;
  }
  const headers = parameters['headers'];
  if (Array.isArray(headers)) {
    parameters['headers'] = headers.map((header: unknown, i) => {
      if (typeof header !== 'object' || header === null) return header;
      const { key, value } = header as { key?: unknown; value?: unknown };
      if (typeof key !== 'string' || !isSecretHeaderName(key.trim()) || !isSecretValue(value)) return header;
      return { ...header, value: replace(value, `headers[${i}].value`, `header:${key.trim().toLowerCase()}`) };
    });
  }
  return { ...task, parameters };
}

/** The task as answers show it: its secrets masked. */
export function maskTaskSecrets(task: TaskDefinition): TaskDefinition {
  return mapSecrets(task, () => SECRET_MASK);
}

/** The paths (`authorization.password`, `headers[0].value`) of the secrets still masked in `task`. */
export function maskedSecretPaths(task: TaskDefinition): string[] {
  const paths: string[] = [];
  mapSecrets(task, (value, path) => {
    if (value === SECRET_MASK) paths.push(path);
    return value;
  });
  return paths;
}

/**
 * `incoming` with each masked secret replaced by the same secret of `previous` (the task of the
 * version it replaces: same id, else same name). Secrets without a counterpart stay masked, and
 * the import then refuses them (`maskedSecretPaths`).
 */
export function restoreMaskedSecrets(incoming: TaskDefinition, previous: TaskDefinition | undefined): TaskDefinition {
  if (!previous || previous.action_type !== 'Callout') return incoming;
  const previousSecrets = new Map<string, string>();
  mapSecrets(previous, (value, _path, key) => {
    previousSecrets.set(key, value);
    return value;
  });
  return mapSecrets(incoming, (value, _path, key) =>
    value === SECRET_MASK ? (previousSecrets.get(key) ?? value) : value,
  );
}
