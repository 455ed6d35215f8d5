import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type WeirConfig } from '../../src/config.js';
import { createPostgresDatabase } from './postgres.js';
import { startWeir, type RunningWeir } from '../../src/weir.js';
import { httpRequest, type HttpResponse } from './http.js';

/** The OAuth client every test Weir seeds at start (it has every scope). */
export const ADMIN_CLIENT = { clientId: 'test-admin', clientSecret: 'test-admin-secret-123' } as const;
export const TEST_SECRET_KEY = 'test-secret-key-0123456789';
export const ALL_SCOPES = ['workflow:view', 'workflow:manage', 'workflow:run'] as const;

export interface ApiRequestOptions {
  /** Bearer token to send; default the admin token; `null` sends no `Authorization` header. */
  token?: string | null;
  headers?: Record<string, string>;
  /** Sent as is instead of a JSON-encoded `body`; set `contentType` with it. */
  rawBody?: string | Buffer;
  contentType?: string;
  timeoutMs?: number;
}

/** A Weir started in this process for one test file. */
export interface TestWeir {
  /** e.g. http://127.0.0.1:43127 */
  url: string;
  /** An admin bearer token (all scopes). */
  token: string;
  dataDir: string;
  running: RunningWeir;
  /**
   * A management/OAuth API call. `body` (when not undefined) is sent as JSON with
   * `Content-Type: application/json`.
   */
  api(method: string, urlPath: string, body?: unknown, options?: ApiRequestOptions): Promise<HttpResponse>;
  /** Stops Weir and removes its data dir. */
  close(): Promise<void>;
}

/** What `startWeir` takes besides the config (e.g. an injectable clock `now`). */
export type WeirStartOptions = NonNullable<Parameters<typeof startWeir>[1]>;

/**
 * Starts Weir in-process on a fresh temporary data dir, port 0, with the admin client seeded,
 * callouts allowed to 127.0.0.1 (`WEIR_CALLOUT_ALLOW`), and fetches an admin token. `overrides`
 * go to the config (e.g. `syncTimeoutSeconds`), `startOptions` to `startWeir` (e.g. `now`, a
 * clock the test can move).
 */
export async function startTestWeir(
  overrides: Partial<WeirConfig> = {},
  startOptions: WeirStartOptions = {},
): Promise<TestWeir> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'weir-test-'));
  // WEIR_TEST_STORE=postgres runs the integration suite on PostgreSQL, a database per Weir.
  const database =
    process.env.WEIR_TEST_STORE === 'postgres' && overrides.databaseUrl === undefined
      ? await createPostgresDatabase()
      : undefined;
  const config = loadConfig(
    {},
    {
      port: 0,
      host: '127.0.0.1',
      dataDir,
      secretKey: TEST_SECRET_KEY,
      bootstrapClient: { ...ADMIN_CLIENT },
      logLevel: 'silent',
      ...(database ? { databaseUrl: database.url } : {}),
      // The tests' callout targets listen on 127.0.0.1, which the egress policy denies by default;
      // `calloutAllow: []` in `overrides` gives the default policy.
      calloutAllow: ['127.0.0.1/32'],
      // A test's close() waits at most this for work still in flight (the default is 30 s).
      shutdownGraceSeconds: 5,
      ...overrides,
    },
  );
  let running: RunningWeir;
  try {
    running = await startWeir(config, startOptions);
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    await database?.drop();
    throw error;
  }
  const url = running.url.replace(/\/$/, '');
  const token = await fetchToken(url);
  return {
    url,
    token,
    dataDir,
    running,
    api: (method, urlPath, body, options = {}) => apiCall(url, token, method, urlPath, body, options),
    close: async () => {
      await running.close();
      await rm(dataDir, { recursive: true, force: true });
      await database?.drop();
    },
  };
}

/** A management API call against `baseUrl` (used for Weirs in child processes too). */
export function apiCall(
  baseUrl: string,
  defaultToken: string | null,
  method: string,
  urlPath: string,
  body?: unknown,
  options: ApiRequestOptions = {},
): Promise<HttpResponse> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  const token = options.token === undefined ? defaultToken : options.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  let payload: string | Buffer | undefined;
  if (options.rawBody !== undefined) {
    payload = options.rawBody;
    if (options.contentType) headers['Content-Type'] = options.contentType;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = options.contentType ?? 'application/json';
  }
  return httpRequest(`${baseUrl}${urlPath}`, { method, headers, body: payload, timeoutMs: options.timeoutMs });
}

export interface TokenRequestOptions {
  clientId?: string;
  clientSecret?: string;
  /** Space-separated subset of the client's scopes. */
  scope?: string;
}

/** `POST /oauth/token` (form-encoded client credentials); throws unless 200. */
export async function fetchToken(baseUrl: string, options: TokenRequestOptions = {}): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: options.clientId ?? ADMIN_CLIENT.clientId,
    client_secret: options.clientSecret ?? ADMIN_CLIENT.clientSecret,
  });
  if (options.scope !== undefined) form.set('scope', options.scope);
  const response = await httpRequest(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  if (response.status !== 200 || typeof response.body?.access_token !== 'string') {
    throw new Error(`POST /oauth/token answered ${response.status}: ${response.text}`);
  }
  return response.body.access_token as string;
}
