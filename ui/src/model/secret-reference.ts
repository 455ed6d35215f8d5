import { isSecretHeaderName, isSecretReference, SECRET_MASK } from '../../../src/model/callout-secrets.js';

/**
 * How a credential parameter of a Callout holds its secret, by the server's own rules
 * (src/model/callout-secrets.ts): a reference to a global constant (`{{ GlobalConstants.ApiToken }}`,
 * optionally after a scheme word: `Bearer {{ GlobalConstants.ApiToken }}`), the mask the API shows
 * instead of a stored secret, a value typed in, or nothing.
 */
export type SecretValue =
  | { kind: 'empty' }
  | { kind: 'stored' }
  | { kind: 'constant'; name: string; prefix: string }
  | { kind: 'other-reference'; text: string }
  | { kind: 'typed' };

const CONSTANT = /^\s*(?:([A-Za-z]+)\s+)?\{\{\s*GlobalConstants\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\s*$/;

export { isSecretHeaderName, SECRET_MASK };

export function readSecretValue(value: unknown): SecretValue {
  const text = typeof value === 'string' ? value : '';
  if (text.trim() === '') return { kind: 'empty' };
  if (text === SECRET_MASK) return { kind: 'stored' };
  const match = CONSTANT.exec(text);
  if (match && isSecretReference(text)) return { kind: 'constant', name: match[2] ?? '', prefix: match[1] ?? '' };
  if (isSecretReference(text)) return { kind: 'other-reference', text: text.trim() };
  return { kind: 'typed' };
}

/** The parameter value that refers to global constant `name` (after `prefix`, e.g. `Bearer`, when given). */
export function constantReference(name: string, prefix = ''): string {
  return `${prefix ? `${prefix} ` : ''}{{ GlobalConstants.${name} }}`;
}
