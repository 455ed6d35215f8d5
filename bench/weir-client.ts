import { isDeepStrictEqual } from 'node:util';
import type { WorkflowDocument } from '../src/model/workflow-document.js';

/**
 * The few Weir API calls the benchmark makes outside the measured load: OAuth token, workflow
 * import and settings, one probe request per trigger, and queue polling. Each call has a timeout;
 * any unexpected answer throws a `BenchSetupError` that says which step failed and what came back.
 */

export class BenchSetupError extends Error {
  override readonly name = 'BenchSetupError';
}

/** The JSON every scenario must answer with. */
export const EXPECTED_ANSWER = { ok: true, n: 0 } as const;

/** The request body every scenario sends. */
export const REQUEST_BODY = JSON.stringify({ n: 0 });

const CALL_TIMEOUT_MS = 10_000;

interface HttpAnswer {
  status: number;
  text: string;
  headers: Headers;
}

async function call(step: string, url: string, init: RequestInit = {}): Promise<HttpAnswer> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
    return { status: response.status, text: await response.text(), headers: response.headers };
  } catch (error) {
    throw new BenchSetupError(
      `${step}: ${init.method ?? 'GET'} ${url} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

function clip(text: string, max = 500): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

function parseJson(step: string, answer: HttpAnswer): unknown {
  try {
    return JSON.parse(answer.text) as unknown;
  } catch {
    throw new BenchSetupError(`${step}: expected JSON, got ${answer.status} ${clip(answer.text)}`);
  }
}

/** Calls and requires `expectedStatus`; returns the parsed JSON body as a record. */
async function callJson(
  step: string,
  url: string,
  init: RequestInit,
  expectedStatus = 200,
): Promise<Record<string, unknown>> {
  const answer = await call(step, url, init);
  if (answer.status !== expectedStatus) {
    throw new BenchSetupError(`${step}: expected ${expectedStatus}, got ${answer.status}: ${clip(answer.text)}`);
  }
  const body = parseJson(step, answer);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BenchSetupError(`${step}: expected a JSON object, got ${clip(answer.text)}`);
  }
  return body as Record<string, unknown>;
}

function jsonInit(method: string, token: string, body?: unknown): RequestInit {
  return {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  };
}

/** Polls `GET /health` until it answers 200, `isAlive()` turns false, or `timeoutMs` passes. */
export async function waitForHealth(
  baseUrl: string,
  timeoutMs: number,
  isAlive: () => boolean,
  pollMs = 100,
): Promise<number> {
  const started = Date.now();
  let last = 'no answer yet';
  while (Date.now() - started < timeoutMs) {
    if (!isAlive()) throw new BenchSetupError(`the server exited while waiting for GET /health (last: ${last})`);
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return Date.now() - started;
      last = `status ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  throw new BenchSetupError(`GET ${baseUrl}/health did not answer 200 within ${timeoutMs / 1000} s (last: ${last})`);
}

/** `POST /oauth/token` with client credentials. */
export async function fetchAccessToken(baseUrl: string, clientId: string, clientSecret: string): Promise<string> {
  const body = await callJson('OAuth token', `${baseUrl}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
  });
  if (typeof body.access_token !== 'string' || body.access_token === '') {
    throw new BenchSetupError(`OAuth token: no access_token in ${clip(JSON.stringify(body))}`);
  }
  return body.access_token;
}

/**
 * The measured workflow: one `Logic::ResponseFormatter` task rendering `{"ok": true, "n": 0}`.
 * `strict_variables: "false"`: `Data.Workflow.n` is never set (undeclared inputs are ignored), and
 * under Liquid's strict default a missing variable is an error even behind `| default: 0`.
 */
export function benchWorkflowDocument(): WorkflowDocument {
  const taskId = 1;
  return {
    workflow: {
      name: 'weir-bench-responsive',
      description: 'bench/trigger.bench.ts: one response formatter task',
      version: '0.0.1',
      callout_trigger: true,
      sync_trigger: true,
      ondemand_trigger: false,
      scheduled_trigger: false,
      priority: 'Medium',
    },
    tasks: [
      {
        id: taskId,
        name: 'Respond',
        action_type: 'Logic::ResponseFormatter',
        parameters: {
          processor: 'Liquid',
          template: '{"ok": true, "n": {{ Data.Workflow.n | default: 0 }}}',
          code: 200,
          strict_variables: 'false',
        },
        tags: [],
        css: { top: '100px', left: '100px' },
      },
    ],
    linkages: [{ source_workflow_id: null, source_task_id: null, target_task_id: taskId, linkage_type: 'Start' }],
  };
}

/** What the benchmark needs to trigger the workflow. */
export interface BenchWorkflow {
  id: string;
  apiToken: string;
  syncUrl: string;
  runUrl: string;
}

/** Imports and activates the benchmark's one-task workflow (`benchWorkflowDocument`); see `importWorkflow`. */
export function setUpWorkflow(baseUrl: string, token: string): Promise<BenchWorkflow> {
  return importWorkflow(baseUrl, token, benchWorkflowDocument());
}

/** Imports and activates a workflow, turns on its callout and responsive triggers, reads its API token. */
export async function importWorkflow(
  baseUrl: string,
  token: string,
  document: WorkflowDocument,
): Promise<BenchWorkflow> {
  const imported = await callJson(
    `import workflow ${document.workflow.name}`,
    `${baseUrl}/workflows/import?activate=true`,
    jsonInit('POST', token, document),
  );
  if (typeof imported.id !== 'number' && typeof imported.id !== 'string') {
    throw new BenchSetupError(`import workflow: no id in ${clip(JSON.stringify(imported))}`);
  }
  const id = String(imported.id);
  await callJson(
    'turn on triggers',
    `${baseUrl}/workflows/${id}`,
    jsonInit('PATCH', token, { callout_trigger: true, sync_trigger: true }),
  );
  const settings = await callJson('read settings', `${baseUrl}/workflows/${id}/settings`, jsonInit('GET', token));
  if (typeof settings.api_token !== 'string' || settings.api_token === '') {
    throw new BenchSetupError(`read settings: no api_token in the settings of workflow ${id}`);
  }
  for (const flag of ['callout_trigger', 'sync_trigger'] as const) {
    if (flag in settings && settings[flag] !== true) {
      throw new BenchSetupError(
        `read settings: ${flag} is ${JSON.stringify(settings[flag])} after PATCH ${flag}: true`,
      );
    }
  }
  return {
    id,
    apiToken: settings.api_token,
    syncUrl: `${baseUrl}/api/v1/workflows/${id}/sync`,
    runUrl: `${baseUrl}/api/v1/workflows/${id}/run`,
  };
}

/**
 * One request as the load will send it (`body`, default `REQUEST_BODY`); requires 200 and a body equal
 * (as JSON) to `expectedAnswer` (default `EXPECTED_ANSWER`). Returns the exact body text, so the load
 * can count any other body as a mismatch.
 */
export async function probeAnswer(
  step: string,
  url: string,
  headers: Record<string, string>,
  options: { body?: string; expectedAnswer?: unknown } = {},
): Promise<string> {
  const expectedAnswer = options.expectedAnswer ?? EXPECTED_ANSWER;
  const answer = await call(step, url, { method: 'POST', headers, body: options.body ?? REQUEST_BODY });
  const expected = clip(JSON.stringify(expectedAnswer));
  if (answer.status !== 200) {
    throw new BenchSetupError(`${step}: expected 200 ${expected}, got ${answer.status}: ${clip(answer.text)}`);
  }
  const body = parseJson(step, answer);
  if (!isDeepStrictEqual(body, expectedAnswer)) {
    throw new BenchSetupError(`${step}: expected the body ${expected}, got ${clip(answer.text)}`);
  }
  return answer.text;
}

/** One standard-mode request; requires 200 with run metadata in `Queued` or `Processing`. Returns the run id. */
export async function probeStandardRun(url: string, headers: Record<string, string>): Promise<string> {
  const step = 'probe POST /run';
  const answer = await call(step, url, { method: 'POST', headers, body: REQUEST_BODY });
  if (answer.status !== 200)
    throw new BenchSetupError(`${step}: expected 200 with run metadata, got ${answer.status}: ${clip(answer.text)}`);
  const run = parseJson(step, answer) as Record<string, unknown> | null;
  const status = run?.status;
  if (
    (typeof run?.id !== 'number' && typeof run?.id !== 'string') ||
    (status !== 'Queued' && status !== 'Processing')
  ) {
    throw new BenchSetupError(
      `${step}: expected run metadata with an id and status Queued/Processing, got ${clip(answer.text)}`,
    );
  }
  return String(run.id);
}

/** Run statuses that still have work ahead of them. */
export const LIVE_RUN_STATUSES = ['Queued', 'Processing', 'Pending'] as const;
export type LiveRunStatus = (typeof LIVE_RUN_STATUSES)[number];

/**
 * Counts the workflow's runs in each live status, up to `cap` each
 * (`GET /workflows/workflow_runs?workflow_id=&status=&page_length=`).
 */
export async function countLiveRuns(
  baseUrl: string,
  token: string,
  workflowId: string,
  cap: number,
): Promise<Record<LiveRunStatus, number>> {
  const counts = { Queued: 0, Processing: 0, Pending: 0 };
  await Promise.all(
    LIVE_RUN_STATUSES.map(async (status) => {
      counts[status] = await countRuns(baseUrl, token, workflowId, { status }, cap);
    }),
  );
  return counts;
}

/**
 * How many of the workflow's runs match `filter` (`status` and/or `result`), up to `cap`
 * (`GET /workflows/workflow_runs?workflow_id=&status=&result=&page_length=`).
 */
export async function countRuns(
  baseUrl: string,
  token: string,
  workflowId: string,
  filter: { status?: string; result?: string },
  cap: number,
): Promise<number> {
  const query = new URLSearchParams({ workflow_id: workflowId, page_length: String(cap), ...filter });
  const step = `list runs ${JSON.stringify(filter)}`;
  const answer = await call(step, `${baseUrl}/workflows/workflow_runs?${query}`, jsonInit('GET', token));
  if (answer.status !== 200)
    throw new BenchSetupError(`${step}: expected 200, got ${answer.status}: ${clip(answer.text)}`);
  const body = parseJson(step, answer);
  const list = Array.isArray(body) ? body : (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(list)) throw new BenchSetupError(`${step}: expected {data: [...]}, got ${clip(answer.text)}`);
  return list.length;
}

/** `GET /workflows/workflow_runs/{id}`: the run's status and (Weir's extension) result. */
export async function readRun(
  baseUrl: string,
  token: string,
  runId: string,
): Promise<{ status: string; result: string | null }> {
  const run = await callJson(
    `read run ${runId}`,
    `${baseUrl}/workflows/workflow_runs/${runId}`,
    jsonInit('GET', token),
  );
  return { status: String(run.status), result: typeof run.result === 'string' ? run.result : null };
}

/**
 * The server's V8 heap in use, in MB, from `GET /metrics` (prom-client's `nodejs_heap_size_used_bytes`);
 * null when the metric cannot be read. Splits RSS into the JS heap and everything native.
 */
export async function fetchHeapUsedMegabytes(baseUrl: string, token: string): Promise<number | null> {
  try {
    const answer = await call('read /metrics', `${baseUrl}/metrics`, jsonInit('GET', token));
    if (answer.status !== 200) return null;
    const bytes = Number(/^nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([0-9.e+]+)$/m.exec(answer.text)?.[1]);
    return Number.isFinite(bytes) && bytes > 0 ? bytes / 2 ** 20 : null;
  } catch {
    return null;
  }
}
