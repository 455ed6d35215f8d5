import crypto from 'node:crypto';
// jose's subpaths, not its index: the index loads all of JOSE (47 modules, ~20 ms more at every start).
import { JWTExpired } from 'jose/errors';
import { SignJWT } from 'jose/jwt/sign';
import { jwtVerify } from 'jose/jwt/verify';
import { BearerTokenError, InvalidRequestError, NotFoundError, OAuthError } from '../model/errors.js';
import type { ClientRecord } from '../model/records.js';
import { ALL_SCOPES, isScope, type Scope } from '../model/scopes.js';
import { randomSecret, type SecretBox } from '../secrets/secret-box.js';
import { hashClientSecret, verifyClientSecret } from './client-secret-hash.js';
import type { Store } from '../store/store.js';

/** Access tokens live an hour; `expires_in` says 3599 so a client renews before the edge. */
const TOKEN_LIFETIME_SECONDS = 3600;
const ISSUER = 'weir';

export interface IssuedToken {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  scope: string;
  jti: string;
}

/** Who a verified bearer token speaks for. */
export interface Principal {
  clientId: string;
  scopes: readonly Scope[];
}

export interface OAuthClientsOptions {
  store: Store;
  secrets: SecretBox;
  now: () => number;
}

/** OAuth 2.0 client-credentials: clients, token issue and verification. */
export class OAuthClients {
  private signingKey: Promise<crypto.webcrypto.CryptoKey>;

  constructor(private readonly options: OAuthClientsOptions) {
    // Importing the key once makes each verification ~2x cheaper than passing raw bytes.
    this.signingKey = crypto.webcrypto.subtle.importKey(
      'raw',
      options.secrets.tokenSigningKey,
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    ) as Promise<crypto.webcrypto.CryptoKey>;
  }

  /** Creates a client; the secret is shown once and stored only as a hash. */
  async createClient(
    name: string,
    scopes: readonly string[] = ALL_SCOPES,
  ): Promise<{ clientId: string; clientSecret: string; scopes: Scope[] }> {
    const checked = checkScopes(scopes);
    const clientId = `weir_${randomSecret(12)}`;
    const clientSecret = randomSecret(32);
    await this.options.store.catalog.createClient(await this.record(clientId, name, clientSecret, checked));
    return { clientId, clientSecret, scopes: checked };
  }

  /** Creates or updates a client with a given id and secret and every scope (bootstrap from the environment). */
  async upsertClient(clientId: string, clientSecret: string, name = 'bootstrap'): Promise<void> {
    await this.options.store.catalog.upsertClient(await this.record(clientId, name, clientSecret, [...ALL_SCOPES]));
  }

  listClients(): Promise<ClientRecord[]> {
    return this.options.store.catalog.listClients();
  }

  async revokeClient(clientId: string): Promise<void> {
    if (!(await this.options.store.catalog.revokeClient(clientId, this.options.now()))) {
      throw new NotFoundError(`No active client has the id ${clientId}.`);
    }
  }

  countClients(): Promise<number> {
    return this.options.store.catalog.countClients();
  }

  /** The client-credentials grant (RFC 6749 §4.4). Throws `OAuthError`. */
  async issueToken(request: {
    grantType: string | undefined;
    clientId: string | undefined;
    clientSecret: string | undefined;
    scope: string | undefined;
  }): Promise<IssuedToken> {
    if (!request.grantType) throw new OAuthError('invalid_request', 'grant_type is required.');
    if (request.grantType !== 'client_credentials') {
      throw new OAuthError('unsupported_grant_type', 'Only the client_credentials grant is supported.');
    }
    if (!request.clientId || !request.clientSecret) {
      throw new OAuthError('invalid_client', 'Client authentication failed.');
    }
    const client = await this.options.store.catalog.getClient(request.clientId);
    // Verify against a dummy hash when the client is unknown, so timing does not tell which ids exist.
    // A legacy unsalted row (`needsUpgrade`) is not rewritten here: the store's upsert would also
    // clear a revocation made meanwhile; it is rewritten when its secret is set again.
    const { isValid } = await verifyClientSecret(
      request.clientSecret,
      client?.secretHash ?? (await unknownClientHash()),
    );
    if (!client || !isValid || client.revokedAt !== null) {
      throw new OAuthError('invalid_client', 'Client authentication failed.');
    }
    let scopes = client.scopes.filter(isScope);
    if (request.scope !== undefined && request.scope.trim() !== '') {
      const asked = request.scope.trim().split(/\s+/);
      if (!asked.every((scope) => isScope(scope) && scopes.includes(scope))) {
        throw new OAuthError('invalid_scope', 'The requested scope is not granted to this client.');
      }
      scopes = asked as Scope[];
    }
    const jti = crypto.randomUUID();
    const issuedAt = Math.floor(this.options.now() / 1000);
    const token = await new SignJWT({ scope: scopes.join(' ') })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(client.clientId)
      .setJti(jti)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + TOKEN_LIFETIME_SECONDS)
      .sign(await this.signingKey);
    return {
      access_token: token,
      token_type: 'bearer',
      expires_in: TOKEN_LIFETIME_SECONDS - 1,
      scope: scopes.join(' '),
      jti,
    };
  }

  /** Verifies a bearer token and that its client is still active. Throws `BearerTokenError`. */
  async verifyToken(token: string): Promise<Principal> {
    let clientId: string;
    let scopes: Scope[];
    try {
      const { payload } = await jwtVerify(token, await this.signingKey, {
        issuer: ISSUER,
        algorithms: ['HS256'],
        // Weir's tokens always expire; one without `exp` (signed with a leaked key, or by a bug) never would.
        requiredClaims: ['exp'],
        currentDate: new Date(this.options.now()),
      });
      if (typeof payload.sub !== 'string' || typeof payload.scope !== 'string') throw new Error('claims missing');
      clientId = payload.sub;
      scopes = payload.scope.split(' ').filter(isScope);
    } catch (error) {
      const title = error instanceof JWTExpired ? 'The access token has expired.' : 'The access token is invalid.';
      throw new BearerTokenError(title, false);
    }
    const client = await this.options.store.catalog.getClient(clientId);
    if (!client || client.revokedAt !== null) throw new BearerTokenError('The access token has been revoked.', false);
    return { clientId, scopes };
  }

  private async record(clientId: string, name: string, secret: string, scopes: Scope[]): Promise<ClientRecord> {
    const secretHash = await hashClientSecret(secret);
    return { clientId, name, secretHash, scopes, createdAt: this.options.now(), revokedAt: null };
  }
}

let dummyHash: Promise<string> | undefined;
/** A scrypt hash no secret matches, computed once, for unknown client ids. */
function unknownClientHash(): Promise<string> {
  dummyHash ??= hashClientSecret(randomSecret(32));
  return dummyHash;
}

function checkScopes(scopes: readonly string[]): Scope[] {
  const unknown = scopes.filter((scope) => !isScope(scope));
  if (unknown.length > 0 || scopes.length === 0) {
    throw new InvalidRequestError(
      `Scopes must be among ${ALL_SCOPES.join(', ')}; got ${unknown.join(', ') || 'none'}.`,
      'scopes',
    );
  }
  return scopes.filter(isScope);
}
