import { expect } from 'vitest';
import type { JsonBody } from './http.js';
import { must, type ApiClient, type TriggerableWorkflow } from './setup-workflow.js';

/** A run's name: `WF-<workflowId>-<8 digits>`. */
export const RUN_NAME = /^WF-(\d+)-\d{8}$/;
/** The reference's timestamps: `2019-09-19 18:25:33 UTC`. */
export const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/;
export const FINAL_RUN_STATUSES = ['Finished', 'Stopped'] as const;

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls `probe` every `intervalMs` until it returns a value other than `undefined`, and returns it.
 * Throws after `timeoutMs`, naming `description` and the last value seen by `describeLast`.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number; description: string; describeLast?: () => string },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      throw new Error(
        `${options.description}: not reached in ${options.timeoutMs} ms${options.describeLast ? `; last: ${options.describeLast()}` : ''}`,
      );
    }
    await sleep(options.intervalMs ?? 100);
  }
}

/** `GET /workflows/workflow_runs/{id}` (throws unless 200). */
export async function getRun(weir: ApiClient, runId: number): Promise<JsonBody> {
  return must(await weir.api('GET', `/workflows/workflow_runs/${runId}`), 200, `GET run ${runId}`);
}

/** Polls a run until `until(run)` holds (default: a final status) and returns it. */
export async function waitForRun(
  weir: ApiClient,
  runId: number,
  options: { until?: (run: JsonBody) => boolean; timeoutMs?: number; what?: string } = {},
): Promise<JsonBody> {
  const until = options.until ?? ((run: JsonBody) => (FINAL_RUN_STATUSES as readonly string[]).includes(run.status));
  let last: JsonBody;
  return pollUntil(
    async () => {
      last = await getRun(weir, runId);
      return until(last) ? (last as JsonBody) : undefined;
    },
    {
      timeoutMs: options.timeoutMs ?? 20_000,
      description: `run ${runId} ${options.what ?? 'reaching a final status'}`,
      describeLast: () => JSON.stringify(last),
    },
  );
}

/** Waits for `Finished` and asserts the run succeeded: result Success, no error task. */
export async function expectRunSucceeds(weir: ApiClient, runId: number, timeoutMs = 20_000): Promise<JsonBody> {
  const run = await waitForRun(weir, runId, { timeoutMs });
  expect(run.status, JSON.stringify(run)).toBe('Finished');
  expect(run.result, JSON.stringify(run)).toBe('Success');
  expect(run.tasks.error, JSON.stringify(run)).toBe(0);
  return run;
}

/** Every run of the list `GET /workflows/workflow_runs` with `query`, following the pages. */
export async function listRuns(weir: ApiClient, query: Record<string, string>): Promise<JsonBody[]> {
  const runs: JsonBody[] = [];
  for (let page = 1; page <= 200; page += 1) {
    const params = new URLSearchParams({ ...query, page: String(page), page_length: '50' });
    const body = must(await weir.api('GET', `/workflows/workflow_runs?${params.toString()}`), 200, 'list runs');
    runs.push(...(body.data as JsonBody[]));
    if (!body.pagination?.next_page) return runs;
  }
  throw new Error('list runs: more than 200 pages');
}

/**
 * The run metadata `/run` answers (and `/sync` answers inside 211/212/403/408):
 * `{id, name, originalWorkflowId, type, status, createdAt, updatedAt}` with the reference's formats.
 */
export function expectRunMetadata(
  metadata: JsonBody,
  workflowId: number,
  statuses: readonly string[] = ['Queued', 'Processing'],
): void {
  const text = JSON.stringify(metadata);
  expect(Number.isInteger(metadata.id) && metadata.id > 0, text).toBe(true);
  expect(metadata.name, text).toMatch(RUN_NAME);
  expect(Number(RUN_NAME.exec(metadata.name)?.[1]), text).toBe(workflowId);
  expect(metadata.originalWorkflowId, text).toBe(workflowId);
  expect(metadata.type, text).toBe('Workflow::Instance');
  expect(statuses, text).toContain(metadata.status);
  expect(metadata.createdAt, text).toMatch(UTC_TIMESTAMP);
  expect(metadata.updatedAt, text).toMatch(UTC_TIMESTAMP);
}

/** Runs `work` over `items` with at most `limit` in flight; results in input order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** The ids of every workflow `GET /workflows` lists, following the pages. */
export async function listWorkflowIds(weir: ApiClient): Promise<Set<number>> {
  const ids = new Set<number>();
  for (let page = 1; page <= 200; page += 1) {
    const body = must(await weir.api('GET', `/workflows?page=${page}&page_length=50`), 200, 'list workflows');
    for (const workflow of body.data as { id: number }[]) ids.add(workflow.id);
    if (!body.pagination?.next_page) return ids;
  }
  throw new Error('list workflows: more than 200 pages');
}

/**
 * Starts runs of `workflow` (API-Token, `/run`) until one has an id that is no workflow's id
 * (listed, or in `alsoAvoid`), so that using it as a workflow id means "a run id", not another workflow.
 */
export async function runIdThatIsNoWorkflowId(
  weir: ApiClient,
  workflow: TriggerableWorkflow,
  alsoAvoid: readonly number[] = [],
): Promise<{ runId: number; runsStarted: number }> {
  const workflowIds = await listWorkflowIds(weir);
  for (const id of alsoAvoid) workflowIds.add(id);
  for (let started = 1; started <= 100; started += 1) {
    const run = must(await workflow.run(), 200, 'start a run');
    if (!workflowIds.has(run.id)) return { runId: run.id as number, runsStarted: started };
  }
  throw new Error('every run id collided with a workflow id');
}
