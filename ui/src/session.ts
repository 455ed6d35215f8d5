/**
 * The signed-in session: an OAuth access token from `POST /oauth/token` (client credentials), kept in
 * `sessionStorage` so it lives as long as the tab and never in a file or cookie. The secret is not kept.
 */

const STORAGE_KEY = 'weir.session';
/** Sign in again a little before the token expires rather than fail a request at the edge. */
const EXPIRY_MARGIN_MS = 30_000;

export interface Session {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  clientId: string;
  scope: string;
}

type Listener = (session: Session | null, reason?: string) => void;
const listeners = new Set<Listener>();

export function readSession(): Session | null {
  try {
    const raw = window.sessionStorage.getItem(STORAGE_KEY);
    if (!raw) return null;
    const session = JSON.parse(raw) as Partial<Session>;
    if (typeof session.accessToken !== 'string' || typeof session.expiresAt !== 'number') return null;
    if (session.expiresAt - EXPIRY_MARGIN_MS <= Date.now()) return null;
    return {
      accessToken: session.accessToken,
      expiresAt: session.expiresAt,
      clientId: session.clientId ?? '',
      scope: session.scope ?? '',
    };
  } catch {
    return null;
  }
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function publish(session: Session | null, reason?: string): void {
  for (const listener of listeners) listener(session, reason);
}

export class SignInError extends Error {
  override readonly name = 'SignInError';
}

/** `POST /oauth/token` with the client credentials grant; stores and announces the session. */
export async function signIn(clientId: string, clientSecret: string): Promise<Session> {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: clientSecret,
  });
  let response: Response;
  try {
    response = await fetch('/oauth/token', {
      method: 'POST',
      // No browser credentials: a 401 carrying a Basic challenge must not open the browser's login prompt.
      credentials: 'omit',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body,
    });
  } catch {
    throw new SignInError('Weir cannot be reached. Check that it is running, then try again.');
  }
  const answer = (await response.json().catch(() => ({}))) as {
    access_token?: string;
    expires_in?: number;
    scope?: string;
    error?: string;
    error_description?: string;
  };
  if (!response.ok || typeof answer.access_token !== 'string') {
    if (answer.error === 'invalid_client') throw new SignInError('The client id or the secret is wrong.');
    throw new SignInError(answer.error_description ?? answer.error ?? `Sign-in failed (HTTP ${response.status}).`);
  }
  const session: Session = {
    accessToken: answer.access_token,
    expiresAt: Date.now() + (answer.expires_in ?? 3599) * 1000,
    clientId,
    scope: answer.scope ?? '',
  };
  window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  publish(session);
  return session;
}

/** Forgets the token. `reason` is shown on the sign-in form (e.g. the session expired). */
export function signOut(reason?: string): void {
  window.sessionStorage.removeItem(STORAGE_KEY);
  publish(null, reason);
}
