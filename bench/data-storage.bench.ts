/**
 * Data storage benchmark (issue 10, point 8 and the last defect of point 9): how much a run's `Data`
 * costs the database, and what an Iterate over many items costs. `npx tsx bench/data-storage.bench.ts`.
 *
 * 1. Storage per run: a 5-task responsive workflow (4 `Logic::Liquid` tasks, each keeping one small
 *    variable, then a response formatter) triggered with a ~1 KB and a ~1 MiB input (`Data.Workflow.blob`,
 *    random base64, so no store compresses it). The database's used bytes ((page_count - freelist_count)
 *    × page_size, read beside the server) are taken before and after, per run.
 * 2. Iterate: one standard run walking `BENCH_ITEMS` items (default 100,000: a JSON input array of
 *    numbers, ~0.6 MB) with `CUSTOM LIQUID`, each branch one Liquid task, `BENCH_CONCURRENCY` branches
 *    at once (default 10). Reports the time to finish, the server's peak RSS (VmHWM) and its RSS
 *    sampled while it runs, the bytes it wrote (`/proc/<pid>/io` write_bytes) and the database growth.
 *
 * Settings: `BENCH_ITEMS` (0 skips part 2), `BENCH_CONCURRENCY`, `BENCH_RUNS_SMALL` (default 20),
 * `BENCH_RUNS_LARGE` (default 5), `BENCH_ITERATE_SECONDS` (default 600: the wait for the Iterate run),
 * `BENCH_WEIR_ENTRY` (default src/cli/main.ts). Linux only (it reads /proc). Runs one Weir child
 * process on a fresh SQLite data dir under the temp dir, removed at the end.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowDocument } from '../src/model/workflow-document.js';
import { killAllServersNow, stopAllServers } from './server-process.js';
import { startWeirServer, type StartedWeir } from './start-servers.js';
import { fetchAccessToken } from './weir-client.js';

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return value;
}

const ITEMS = intFromEnv('BENCH_ITEMS', 100_000);
const CONCURRENCY = intFromEnv('BENCH_CONCURRENCY', 10);
const RUNS_SMALL = intFromEnv('BENCH_RUNS_SMALL', 20);
const RUNS_LARGE = intFromEnv('BENCH_RUNS_LARGE', 5);
const ITERATE_SECONDS = intFromEnv('BENCH_ITERATE_SECONDS', 600);
const ENTRY = process.env.BENCH_WEIR_ENTRY ?? 'src/cli/main.ts';

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

interface Api {
  call(method: string, urlPath: string, body?: unknown, headers?: Record<string, string>): Promise<unknown>;
}

function apiOf(weir: StartedWeir, token: string): Api {
  return {
    async call(method, urlPath, body, headers = {}) {
      const response = await fetch(`${weir.baseUrl}${urlPath}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(120_000),
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`${method} ${urlPath}: ${response.status} ${text.slice(0, 300)}`);
      return JSON.parse(text) as unknown;
    },
  };
}

function workflowShell(name: string, fields: Array<{ field_name: string; datatype: string }>) {
  return {
    name,
    version: '0.0.1',
    callout_trigger: true,
    sync_trigger: true,
    ondemand_trigger: true,
    parameters: {
      fields: fields.map((f) => ({ object_name: 'Workflow', required: true, ...f })),
    },
  };
}

function fiveTasks(): WorkflowDocument {
  const liquid = (id: number) => ({
    id,
    name: `Step ${id}`,
    action_type: 'Logic::Liquid',
    parameters: { code: `{% assign step${id} = ${id} %}` },
  });
  return {
    workflow: workflowShell('bench-data-5-tasks', [{ field_name: 'blob', datatype: 'Text' }]),
    tasks: [
      liquid(1),
      liquid(2),
      liquid(3),
      liquid(4),
      {
        id: 5,
        name: 'Answer',
        action_type: 'Logic::ResponseFormatter',
        parameters: { processor: 'Liquid', template: '{"ok": true, "steps": {{ Data.Liquid.step4 }}}', code: 200 },
      },
    ],
    linkages: [
      { source_task_id: null, target_task_id: 1, linkage_type: 'Start' },
      { source_task_id: 1, target_task_id: 2, linkage_type: 'Success' },
      { source_task_id: 2, target_task_id: 3, linkage_type: 'Success' },
      { source_task_id: 3, target_task_id: 4, linkage_type: 'Success' },
      { source_task_id: 4, target_task_id: 5, linkage_type: 'Success' },
    ],
  } as unknown as WorkflowDocument;
}

function iterateWorkflow(concurrency: number): WorkflowDocument {
  return {
    workflow: workflowShell('bench-data-iterate', [{ field_name: 'list', datatype: 'JSON' }]),
    tasks: [
      {
        id: 1,
        name: 'Each',
        action_type: 'Iterate',
        parameters: {
          object: 'CUSTOM LIQUID',
          liquid_statement: '{{ Data.Workflow.list | to_json }}',
          concurrency: String(concurrency),
        },
      },
      { id: 2, name: 'Item', action_type: 'Logic::Liquid', parameters: { code: '{% assign n = Data.Iterate %}' } },
      { id: 3, name: 'Done', action_type: 'Logic::Liquid', parameters: { code: '{% assign done = true %}' } },
    ],
    linkages: [
      { source_task_id: null, target_task_id: 1, linkage_type: 'Start' },
      { source_task_id: 1, target_task_id: 2, linkage_type: 'For Each' },
      { source_task_id: 1, target_task_id: 3, linkage_type: 'Complete' },
    ],
  } as unknown as WorkflowDocument;
}

/** Bytes of the database in use: pages in use × page size, as a reader sees the last commit (WAL included). */
function usedBytes(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const pages = db.pragma('page_count', { simple: true }) as number;
    const free = db.pragma('freelist_count', { simple: true }) as number;
    const size = db.pragma('page_size', { simple: true }) as number;
    return (pages - free) * size;
  } finally {
    db.close();
  }
}

/** CPU seconds (user + system) the process has used: steadier than wall time on a shared machine. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // After the command: state is field 3, utime 14 and stime 15 (1-based), in clock ticks (100 a second).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function procField(pid: number, file: 'status' | 'io', field: string): number {
  const text = fs.readFileSync(`/proc/${pid}/${file}`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text);
  if (!match?.[1]) throw new Error(`no ${field} in /proc/${pid}/${file}`);
  return Number(match[1]) * (file === 'status' ? 1024 : 1);
}

async function importActive(api: Api, document: WorkflowDocument): Promise<{ id: number; apiToken: string }> {
  const imported = (await api.call('POST', '/workflows/import?activate=true', document)) as { id: number };
  await api.call('PATCH', `/workflows/${imported.id}`, { callout_trigger: true, sync_trigger: true });
  const settings = (await api.call('GET', `/workflows/${imported.id}/settings`)) as { api_token: string };
  return { id: imported.id, apiToken: settings.api_token };
}

async function storagePerRun(weir: StartedWeir, api: Api, dbFile: string): Promise<string[]> {
  const workflow = await importActive(api, fiveTasks());
  const lines: string[] = [];
  for (const [label, bytes, runs] of [
    ['1 KB', 1024, RUNS_SMALL],
    ['1 MiB', 1048576, RUNS_LARGE],
  ] as const) {
    if (runs === 0) continue;
    // Base64 of random bytes: 4 characters per 3 bytes, incompressible.
    const blob = randomBytes(Math.ceil((bytes * 3) / 4))
      .toString('base64')
      .slice(0, bytes);
    const body = JSON.stringify({ blob });
    const before = usedBytes(dbFile);
    for (let i = 0; i < runs; i++) {
      const response = await fetch(`${weir.baseUrl}/api/v1/workflows/${workflow.id}/sync`, {
        method: 'POST',
        headers: { 'api-token': workflow.apiToken, 'content-type': 'application/json' },
        body,
      });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`sync run: ${response.status} ${text.slice(0, 300)}`);
    }
    const perRun = (usedBytes(dbFile) - before) / runs;
    lines.push(
      `5-task run, ${label} input (${body.length} bytes): database +${Math.round(perRun).toLocaleString('en')} bytes per run ` +
        `(${(perRun / body.length).toFixed(2)} × the input), ${runs} runs`,
    );
  }
  return lines;
}

async function iterateRun(weir: StartedWeir, api: Api, dbFile: string): Promise<string[]> {
  const pid = weir.server.pid;
  if (pid === undefined) throw new Error('no server pid');
  const workflow = await importActive(api, iterateWorkflow(CONCURRENCY));
  const list = Array.from({ length: ITEMS }, (_, i) => i);
  const dbBefore = usedBytes(dbFile);
  const writtenBefore = procField(pid, 'io', 'write_bytes');
  const rssBefore = procField(pid, 'status', 'VmRSS');
  const cpuBefore = cpuSeconds(pid);
  const started = Date.now();
  const run = (await api.call('POST', `/workflows/${workflow.id}/run`, { list })) as { id: number };
  let maxRss = 0;
  let samples = 0;
  let finished: { status: string; result: string | null } | undefined;
  while (Date.now() - started < ITERATE_SECONDS * 1000) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    maxRss = Math.max(maxRss, procField(pid, 'status', 'VmRSS'));
    samples += 1;
    // The list of runs, not the run itself: its detail reads every task instance.
    const page = (await api.call('GET', `/workflows/workflow_runs?workflow_id=${workflow.id}`)) as {
      data: Array<{ id: number; status: string; result?: string | null }>;
    };
    const found = page.data.find((r) => r.id === run.id);
    if (found && (found.status === 'Finished' || found.status === 'Stopped')) {
      finished = { status: found.status, result: found.result ?? null };
      break;
    }
  }
  const seconds = (Date.now() - started) / 1000;
  const cpu = cpuSeconds(pid) - cpuBefore;
  const written = procField(pid, 'io', 'write_bytes') - writtenBefore;
  const peak = procField(pid, 'status', 'VmHWM');
  const growth = usedBytes(dbFile) - dbBefore;
  return [
    `Iterate over ${ITEMS.toLocaleString('en')} items, concurrency ${CONCURRENCY}, one Liquid task per item: ` +
      (finished
        ? `${finished.status} (${finished.result ?? '-'}) in ${seconds.toFixed(1)} s, server CPU ${cpu.toFixed(1)} s`
        : `NOT finished after ${seconds.toFixed(0)} s`),
    `  server RSS: ${mib(rssBefore)} before, at most ${mib(maxRss)} over ${samples} samples; peak (VmHWM) ${mib(peak)}`,
    `  bytes written by the server: ${mib(written)} (${Math.round(written / Math.max(1, ITEMS)).toLocaleString('en')} per item)`,
    `  database growth: ${mib(growth)} (${Math.round(growth / Math.max(1, ITEMS)).toLocaleString('en')} bytes per item)`,
  ];
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-bench-data-'));
  const dbFile = path.join(dataDir, 'weir.db');
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      void stopAllServers(5_000).finally(() => {
        fs.rmSync(dataDir, { recursive: true, force: true });
        process.exit(code);
      });
    });
  }
  try {
    log(`starting Weir (${ENTRY}) on ${dataDir}`);
    const weir = await startWeirServer({ cpu: null, dataDir, timeoutMs: 60_000, entry: ENTRY });
    const token = await fetchAccessToken(weir.baseUrl, weir.clientId, weir.clientSecret);
    const api = apiOf(weir, token);
    const lines = [`Weir data storage benchmark (node ${process.version}, ${os.cpus().length} CPUs)`];
    log('storage per run...');
    lines.push(...(await storagePerRun(weir, api, dbFile)));
    if (ITEMS > 0) {
      log(`Iterate over ${ITEMS} items...`);
      lines.push(...(await iterateRun(weir, api, dbFile)));
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await stopAllServers(10_000);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

process.on('exit', () => killAllServersNow());
main().catch((error: unknown) => {
  process.stderr.write(
    `BENCHMARK FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
