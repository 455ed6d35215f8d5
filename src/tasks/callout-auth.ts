import { createHmac } from 'node:crypto';
import type { CompiledLiquid, TemplateScope } from '../template/template-engine.js';
import type { RenderedBody } from './callout-body.js';
import { HEADER_NAME } from './callout-support.js';
import { clientCredentialsToken } from './oauth-token-cache.js';
import { objectParam, renderParam, stringParam } from './task-helpers.js';
import { TaskParameterError } from './task-type.js';

/**
 * The Callout task's `authorization`: `none`, `basic_auth`, `bearer` (a fixed `token`), OAuth 2
 * client credentials (`oauth2`, `oauth_2.0`, or `bearer` with a `token_url`), and `hmac` (a
 * signature of the body, or of a Liquid `signing_string`, in a header).
 */

/** The reference's HMAC algorithms, by Node's names. Its docs print "SHA-385"; that is SHA-384. */
const HMAC_ALGORITHMS: Readonly<Record<string, string>> = {
  MD5: 'md5',
  SHA1: 'sha1',
  SHA256: 'sha256',
  SHA384: 'sha384',
  SHA385: 'sha384',
  SHA512: 'sha512',
};

/** An `authorization` setting as prepared once per version. */
export type AuthSpec =
  | { type: 'none' }
  | { type: 'basic_auth'; username: CompiledLiquid; password: CompiledLiquid }
  | { type: 'bearer'; token: CompiledLiquid }
  | {
      type: 'oauth2';
      tokenUrl: CompiledLiquid;
      clientId: CompiledLiquid;
      clientSecret: CompiledLiquid;
      scope: CompiledLiquid;
      clientAuthentication: 'body' | 'basic';
    }
  | {
      type: 'hmac';
      /** Node's digest name, e.g. `sha256`. */
      algorithm: string;
      secret: CompiledLiquid;
      headerName: string;
      /** null: sign the body as sent. */
      signingString: CompiledLiquid | null;
      encoding: 'hex' | 'base64';
      /** Put before the signature, e.g. `sha256=`. */
      prefix: string;
    };

export function prepareAuth(value: unknown, liquid: (name: string, source: string) => CompiledLiquid): AuthSpec {
  const auth = objectParam(value, 'authorization');
  const type = stringParam(auth['type'], 'authorization.type').trim() || 'none';
  const text = (key: string): string => stringParam(auth[key], `authorization.${key}`);
  const field = (key: string): CompiledLiquid => liquid(`authorization.${key}`, text(key));
  const required = (key: string): CompiledLiquid => {
    stringParam(auth[key], `authorization.${key}`, true);
    return field(key);
  };
  switch (type) {
    case 'none':
      return { type };
    case 'basic_auth':
      return { type, username: field('username'), password: field('password') };
    case 'bearer':
    case 'oauth2':
    case 'oauth_2.0': {
      if (text('token_url').trim() === '') {
        if (type === 'bearer' || text('token').trim() !== '') return { type: 'bearer', token: field('token') };
        throw new TaskParameterError('authorization.token_url', 'authorization.token_url is required for OAuth 2.');
      }
      const clientAuthentication = text('client_authentication').trim().toLowerCase() || 'body';
      if (clientAuthentication !== 'body' && clientAuthentication !== 'basic') {
        throw new TaskParameterError(
          'authorization.client_authentication',
          'authorization.client_authentication must be body or basic.',
        );
      }
      return {
        type: 'oauth2',
        tokenUrl: required('token_url'),
        clientId: required('client_id'),
        clientSecret: required('client_secret'),
        scope: field('scope'),
        clientAuthentication,
      };
    }
    case 'hmac': {
      const algorithmName = text('algorithm').trim() || 'SHA-256';
      const algorithm = HMAC_ALGORITHMS[algorithmName.toUpperCase().replace(/[-_]/g, '')];
      if (algorithm === undefined) {
        throw new TaskParameterError(
          'authorization.algorithm',
          `authorization.algorithm must be MD5, SHA-1, SHA-256, SHA-384 or SHA-512 (got "${algorithmName}").`,
        );
      }
      const headerName = text('header_name').trim() || 'X-Signature';
      if (!HEADER_NAME.test(headerName)) {
        throw new TaskParameterError('authorization.header_name', `"${headerName}" is not a valid header name.`);
      }
      const encoding = text('encoding').trim().toLowerCase() || 'hex';
      if (encoding !== 'hex' && encoding !== 'base64') {
        throw new TaskParameterError('authorization.encoding', 'authorization.encoding must be hex or base64.');
      }
      const signing = text('signing_string');
      return {
        type,
        algorithm,
        secret: required('secret'),
        headerName,
        signingString: signing === '' ? null : field('signing_string'),
        encoding,
        prefix: text('prefix'),
      };
    }
    default:
      throw new TaskParameterError(
        'authorization.type',
        `authorization type "${type}" is not supported; use none, basic_auth, bearer, oauth2 or hmac.`,
      );
  }
}

/** What authorizing one request may use. */
export interface AuthIo {
  scope: TemplateScope;
  fetch: typeof fetch;
  now: () => number;
  timeoutMs: number;
}

/** The headers that authorize a request (and the OAuth token used, to drop it after a 401), or why none could be made. */
export type AuthResult =
  { ok: true; headers: [string, string][]; token: string | null } | { ok: false; reason: string; retryable: boolean };

/**
 * Renders the authorization for one request. `rejectedToken` is an OAuth token the target just
 * answered 401 to: it is dropped from the cache and a new one fetched. Template failures throw
 * `TemplateError`.
 */
export async function authorize(
  spec: AuthSpec,
  io: AuthIo,
  body: RenderedBody,
  rejectedToken: string | null = null,
): Promise<AuthResult> {
  const render = (compiled: CompiledLiquid, key: string): Promise<string> =>
    renderParam(compiled, io.scope, `authorization.${key}`);
  switch (spec.type) {
    case 'none':
      return { ok: true, headers: [], token: null };
    case 'basic_auth': {
      const credentials = `${await render(spec.username, 'username')}:${await render(spec.password, 'password')}`;
      return {
        ok: true,
        headers: [['Authorization', `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`]],
        token: null,
      };
    }
    case 'bearer':
      return {
        ok: true,
        headers: [['Authorization', `Bearer ${(await render(spec.token, 'token')).trim()}`]],
        token: null,
      };
    case 'oauth2': {
      const result = await clientCredentialsToken(
        {
          tokenUrl: (await render(spec.tokenUrl, 'token_url')).trim(),
          clientId: (await render(spec.clientId, 'client_id')).trim(),
          clientSecret: await render(spec.clientSecret, 'client_secret'),
          scope: (await render(spec.scope, 'scope')).trim(),
          clientAuthentication: spec.clientAuthentication,
        },
        { fetch: io.fetch, now: io.now, timeoutMs: io.timeoutMs },
        rejectedToken,
      );
      if (!result.ok) return result;
      return { ok: true, headers: [['Authorization', `Bearer ${result.token}`]], token: result.token };
    }
    case 'hmac': {
      const signed =
        spec.signingString === null
          ? body.signed
          : Buffer.from(await render(spec.signingString, 'signing_string'), 'utf8');
      const signature = createHmac(spec.algorithm, await render(spec.secret, 'secret'))
        .update(signed)
        .digest(spec.encoding);
      return { ok: true, headers: [[spec.headerName, `${spec.prefix}${signature}`]], token: null };
    }
  }
}
