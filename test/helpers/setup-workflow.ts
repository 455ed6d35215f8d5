import type { WorkflowDocument } from '../../src/model/workflow-document.js';
import { basicAuthorization, httpRequest, withQuery, type HttpResponse, type JsonBody } from './http.js';
import type { TestWeir } from './start-weir.js';

/** What the helpers need of a Weir: its base URL and an authorised management API call. */
export type ApiClient = Pick<TestWeir, 'url' | 'api'>;

/** `GET /workflows/{id}/settings`. */
export interface WorkflowSettings {
  callout_trigger: boolean;
  sync_trigger: boolean;
  endpoints: { run: string; sync: string };
  api_token: string;
  basic_auth: { username: string; password: string };
}

/** Credentials for the trigger API; `null` sends none. */
export type TriggerAuth = { apiToken: string } | { basic: { username: string; password: string } } | null;

export interface TriggerOptions {
  /** Default POST. */
  method?: 'GET' | 'POST' | string;
  /** Default the workflow's API-Token (on a TriggerableWorkflow) or none (on `trigger`). */
  auth?: TriggerAuth;
  query?: Record<string, string>;
  /** Sent as `application/json` (any JSON value, so arrays can be sent too). */
  json?: unknown;
  /** Sent as `application/x-www-form-urlencoded`. */
  form?: Record<string, string>;
  /** Sent as is, with `contentType` when given. */
  rawBody?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Calls `/api/v1/workflows/{workflowId}/{run|sync}`. */
export function trigger(
  baseUrl: string,
  workflowId: number | string,
  mode: 'run' | 'sync',
  options: TriggerOptions = {},
): Promise<HttpResponse> {
  const headers: Record<string, string> = { ...options.headers };
  const auth = options.auth ?? null;
  if (auth && 'apiToken' in auth) headers['API-Token'] = auth.apiToken;
  if (auth && 'basic' in auth) headers.Authorization = basicAuthorization(auth.basic.username, auth.basic.password);
  let body: string | Buffer | undefined;
  if (options.rawBody !== undefined) {
    body = options.rawBody;
    if (options.contentType !== undefined) headers['Content-Type'] = options.contentType;
  } else if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['Content-Type'] = 'application/json';
  } else if (options.form !== undefined) {
    body = new URLSearchParams(options.form).toString();
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  }
  return httpRequest(withQuery(`${baseUrl}/api/v1/workflows/${workflowId}/${mode}`, options.query), {
    method: options.method ?? 'POST',
    headers,
    body,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  });
}

/** A workflow imported, switched on and with its trigger credentials at hand. */
export interface TriggerableWorkflow {
  /** The workflow (definition) id used in trigger URLs. */
  id: number;
  /** The import answer (`GET /workflows/{id}` shape). */
  workflow: JsonBody;
  settings: WorkflowSettings;
  apiTokenAuth: TriggerAuth;
  basicAuth: TriggerAuth;
  /** `/run` with the API-Token unless `options.auth` says otherwise. */
  run(options?: TriggerOptions): Promise<HttpResponse>;
  /** `/sync` with the API-Token unless `options.auth` says otherwise. */
  sync(options?: TriggerOptions): Promise<HttpResponse>;
  /** Re-reads the settings (after a rotation). */
  refreshSettings(): Promise<WorkflowSettings>;
}

export interface SetupOptions {
  /** `?activate=true` on import; default true. */
  activate?: boolean;
  /**
   * Trigger switches set by `PATCH /workflows/{id}` after the import; default both true.
   * `null` leaves the document's own values alone (no PATCH).
   */
  triggers?: { callout_trigger: boolean; sync_trigger: boolean } | null;
}

/** Throws with the answer when `response.status` is not `status`: setup steps fail loudly. */
export function must(response: HttpResponse, status: number, what: string): JsonBody {
  if (response.status !== status)
    throw new Error(`${what}: expected ${status}, got ${response.status}: ${response.text}`);
  return response.body;
}

/** Imports `document`, switches the callout trigger and responsive mode on, and reads the settings. */
export async function setupWorkflow(
  weir: ApiClient,
  document: WorkflowDocument,
  options: SetupOptions = {},
): Promise<TriggerableWorkflow> {
  const activate = options.activate ?? true;
  const imported = must(
    await weir.api('POST', `/workflows/import${activate ? '?activate=true' : ''}`, document),
    200,
    'import',
  );
  if (!Number.isInteger(imported.id))
    throw new Error(`import answered without an integer id: ${JSON.stringify(imported)}`);
  const id = imported.id as number;
  let workflow: JsonBody = imported;
  const triggers = options.triggers === undefined ? { callout_trigger: true, sync_trigger: true } : options.triggers;
  if (triggers !== null) {
    workflow = must(await weir.api('PATCH', `/workflows/${id}`, triggers), 200, `PATCH /workflows/${id}`);
    if (workflow.calloutTrigger !== triggers.callout_trigger) {
      throw new Error(`PATCH /workflows/${id} did not set the callout trigger: ${JSON.stringify(workflow)}`);
    }
  }
  const readSettings = async (): Promise<WorkflowSettings> =>
    must(await weir.api('GET', `/workflows/${id}/settings`), 200, `GET /workflows/${id}/settings`) as WorkflowSettings;
  const result: TriggerableWorkflow = {
    id,
    workflow,
    settings: await readSettings(),
    apiTokenAuth: null,
    basicAuth: null,
    run: (runOptions = {}) => trigger(weir.url, id, 'run', { auth: result.apiTokenAuth, ...runOptions }),
    sync: (syncOptions = {}) => trigger(weir.url, id, 'sync', { auth: result.apiTokenAuth, ...syncOptions }),
    refreshSettings: async () => {
      result.settings = await readSettings();
      setAuth();
      return result.settings;
    },
  };
  const setAuth = (): void => {
    result.apiTokenAuth = { apiToken: result.settings.api_token };
    result.basicAuth = { basic: { ...result.settings.basic_auth } };
  };
  setAuth();
  return result;
}
