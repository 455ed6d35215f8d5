/**
 * Where the trigger path's CPU goes: starts Weir with `--cpu-prof`, loads one trigger mode for a while,
 * stops it (the profile is written at exit) and prints the main thread's time per request by module and
 * by function (self time), with the `.cpuprofile` kept for a flame graph (Chrome DevTools, speedscope).
 *
 *   npx tsx bench/profile.ts            # responsive /sync, 10 s, 50 connections
 *   PROFILE_MODE=run npx tsx bench/profile.ts
 *   PROFILE_MODE=drain npx tsx bench/profile.ts   # executing a backlog of standard runs, nothing else
 *
 * `drain` fills a backlog of PROFILE_RUNS (20,000) standard runs with the workers off, restarts the server
 * with its workers and the profiler, and profiles it executing them: "per request" is then per run.
 *
 * Settings: PROFILE_MODE (sync | run | drain), PROFILE_CASE (one-task | tasks-<n> | input-<kb>k: the
 * workflow, as in BENCH_SCALE's rows), PROFILE_SECONDS (10), PROFILE_RUNS (20000), PROFILE_TOP (25), PROFILE_DIR (where the
 * .cpuprofile goes; default a temp dir, printed), PROFILE_STORE (sqlite | postgres: a fresh database of the
 * PostgreSQL at BENCH_POSTGRES_URL, dropped after), PROFILE_KEEP_DATA (1: keep the SQLite data dir, to
 * look at the database after), PROFILE_ALLOCATIONS (1: also what the main thread allocates per request, by
 * module and function, freed objects included: `bench/allocation-sampler.ts`; sync and run modes). The
 * server is pinned like the benchmark's (BENCH_PIN).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAmount, runPhase } from './load.js';
import { waitForDrain } from './measure.js';
import { createDatabase, POSTGRES_URL } from './postgres-database.js';
import { setUpPinning } from './machine.js';
import { stopAllServers } from './server-process.js';
import { REPO_ROOT, startWeirServer } from './start-servers.js';
import { fetchAccessToken, importWorkflow, probeAnswer, REQUEST_BODY, setUpWorkflow } from './weir-client.js';
import { chainCase, inputCase, type BenchCase } from './workflows.js';

const ALLOCATION_SAMPLER_URL = new URL('./allocation-sampler.ts', import.meta.url).href;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** A frame's module: a package name, a file of ours, or Node's internals. */
function moduleOf(url: string): string {
  if (url === '') return '(native, GC, idle)';
  const nodeModules = url.lastIndexOf('node_modules/');
  if (nodeModules >= 0) {
    const rest = url.slice(nodeModules + 'node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
  }
  if (url.startsWith('node:')) return 'node (core)';
  const src = url.indexOf('/src/');
  if (src >= 0) return url.slice(src + 1).replace(/\.[jt]s$/, '');
  return url;
}

/**
 * Self time per profile node, counting only the samples between `fromEndUs` and `toEndUs` microseconds
 * before the profile's end (the measured window: start-up and shutdown are left out).
 */
function selfTimes(profile: CpuProfile, window: { fromEndUs: number; toEndUs: number }): Map<number, number> {
  const selfUs = new Map<number, number>();
  const from = profile.endTime - window.fromEndUs;
  const to = profile.endTime - window.toEndUs;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at >= from && at <= to) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  return selfUs;
}

function summarize(
  profile: CpuProfile,
  window: { fromEndUs: number; toEndUs: number },
  requests: number,
  top: number,
): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = selfTimes(profile, window);
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const module = functionName === '(garbage collector)' ? '(garbage collector)' : moduleOf(url);
    byModule.set(module, (byModule.get(module) ?? 0) + us);
    const key = `${functionName || '(anonymous)'}  ${module}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  const busyUs = [...byModule.values()].reduce((sum, us) => sum + us, 0);
  const perRequest = (us: number): string => (us / Math.max(1, requests)).toFixed(1).padStart(8);
  const share = (us: number): string => `${((100 * us) / Math.max(1, busyUs)).toFixed(1)}%`.padStart(7);
  const table = (title: string, rows: Map<string, number>): string[] => [
    '',
    `${title}: µs per request, share of busy time`,
    ...[...rows.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => `${perRequest(us)} ${share(us)}  ${name}`),
  ];
  return [
    `measured window: main thread busy ${(busyUs / 1e6).toFixed(2)} s, idle ${(idleUs / 1e6).toFixed(2)} s, ` +
      `${requests} requests: ` +
      `${(busyUs / Math.max(1, requests)).toFixed(0)} µs of main-thread CPU per request`,
    ...table('by module', byModule),
    ...table('by function (self time)', byFunction),
  ].join('\n');
}

async function main(): Promise<void> {
  const mode = process.env.PROFILE_MODE ?? 'sync';
  if (mode !== 'sync' && mode !== 'run' && mode !== 'drain') throw new Error('PROFILE_MODE must be sync, run or drain');
  const seconds = Number(process.env.PROFILE_SECONDS ?? '10');
  const top = Number(process.env.PROFILE_TOP ?? '25');
  const profileDir = process.env.PROFILE_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'weir-profile-'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-profile-data-'));
  const pinning = setUpPinning(process.env.BENCH_PIN !== '0');
  const database = process.env.PROFILE_STORE === 'postgres' ? await createDatabase(POSTGRES_URL) : null;
  try {
    const isSamplingAllocations = process.env.PROFILE_ALLOCATIONS === '1';
    const allocationFlags = isSamplingAllocations ? ['--import', ALLOCATION_SAMPLER_URL] : [];
    const allocationEnv: Record<string, string> = isSamplingAllocations
      ? { WEIR_ALLOCATION_SAMPLE_DIR: profileDir }
      : {};
    if (mode === 'drain') {
      const runs = Number(process.env.PROFILE_RUNS ?? '20000');
      await profileDrain({ runs, top, profileDir, dataDir, serverCpu: pinning.serverCpu, databaseUrl: database?.url });
      return;
    }
    const weir = await startWeirServer({
      cpu: pinning.serverCpu,
      dataDir,
      ...(database ? { databaseUrl: database.url } : {}),
      timeoutMs: 60_000,
      entry: path.join('src', 'cli', 'main.ts'),
      nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, ...allocationFlags],
      env: allocationEnv,
    });
    const token = await fetchAccessToken(weir.baseUrl, weir.clientId, weir.clientSecret);
    const profiled = profiledCase(process.env.PROFILE_CASE ?? 'one-task');
    const workflow = profiled
      ? await importWorkflow(weir.baseUrl, token, profiled.document)
      : await setUpWorkflow(weir.baseUrl, token);
    const headers = { 'content-type': 'application/json', 'api-token': workflow.apiToken };
    const url = mode === 'sync' ? workflow.syncUrl : workflow.runUrl;
    const body = profiled?.requestBody ?? REQUEST_BODY;
    if (mode === 'sync')
      await probeAnswer('probe /sync', url, headers, {
        body,
        ...(profiled ? { expectedAnswer: profiled.expectedAnswer } : {}),
      });
    const load = { url, headers, body, connections: 50, pipelining: 1, timeoutSeconds: 10 };
    await runPhase(load, 2, 'warm-up');
    const measuredFrom = Date.now();
    if (isSamplingAllocations) weir.server.signal('SIGUSR2');
    const finishedBefore = await runsFinished(weir.baseUrl, token);
    const measured = await runPhase(load, seconds, `profile ${mode}`);
    const measuredTo = Date.now();
    const finished = (await runsFinished(weir.baseUrl, token)) - finishedBefore;
    const commits = await commitBatches(weir.baseUrl, token);
    await stopAllServers(30_000);
    // The profile ends when the server exits: the window is placed back from there (ms precision).
    const exitedAt = Date.now();
    const window = { fromEndUs: (exitedAt - measuredFrom) * 1000, toEndUs: (exitedAt - measuredTo) * 1000 };
    const { file, profile } = readMainProfile(profileDir);
    const requests = measured.responses;
    process.stdout.write(
      `Weir ${mode === 'sync' ? 'responsive POST /sync' : 'standard POST /run'}: ${measured.requestsPerSecond.toFixed(0)} req/s ` +
        `over ${seconds} s (50 connections); ${finished} runs finished meanwhile ` +
        `(${(finished / seconds).toFixed(0)}/s); since start: ${commits}\nprofile: ${path.relative(REPO_ROOT, file) || file}\n` +
        `${summarize(profile, window, requests, top)}\n`,
    );
    if (isSamplingAllocations) process.stdout.write(`\n${summarizeAllocations(profileDir, requests, top)}\n`);
  } finally {
    await stopAllServers(5_000);
    if (process.env.PROFILE_KEEP_DATA === '1') process.stderr.write(`data dir kept: ${dataDir}\n`);
    else fs.rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  }
}

interface AllocationNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  /** Bytes allocated here (sampled and scaled), freed objects included: see allocation-sampler.ts. */
  selfSize: number;
  children: AllocationNode[];
}

/**
 * Bytes the main thread allocated per request, by module and by function, from the sampled profile
 * `bench/allocation-sampler.ts` wrote (from the measured window's start to the server's exit).
 */
function summarizeAllocations(profileDir: string, requests: number, top: number): string {
  const file = path.join(profileDir, 'main.heapprofile');
  if (!fs.existsSync(file)) return `allocations: no profile was written to ${file}`;
  const { head } = JSON.parse(fs.readFileSync(file, 'utf8')) as { head: AllocationNode };
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const visit = (node: AllocationNode): void => {
    const { functionName, url, lineNumber } = node.callFrame;
    const module = moduleOf(url);
    byModule.set(module, (byModule.get(module) ?? 0) + node.selfSize);
    const key = `${functionName || '(anonymous)'}  ${module}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
    node.children.forEach(visit);
  };
  visit(head);
  const total = [...byModule.values()].reduce((sum, bytes) => sum + bytes, 0);
  const perRequest = (bytes: number): string => (bytes / Math.max(1, requests)).toFixed(0).padStart(8);
  const share = (bytes: number): string => `${((100 * bytes) / Math.max(1, total)).toFixed(1)}%`.padStart(7);
  const table = (title: string, rows: Map<string, number>): string[] => [
    '',
    `${title}: bytes allocated per request, share`,
    ...[...rows.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, bytes]) => `${perRequest(bytes)} ${share(bytes)}  ${name}`),
  ];
  return [
    `allocations (sampled, freed objects included): ${(total / Math.max(1, requests) / 1024).toFixed(1)} KiB per request`,
    ...table('by module', byModule),
    ...table('by function', byFunction),
  ].join('\n');
}

/**
 * The workflow PROFILE_CASE names: `one-task` (default: the benchmark's one-task workflow, undefined
 * here), `tasks-<n>` (a chain of n-1 Liquid tasks and a response formatter, BENCH_SCALE's task rows) or
 * `input-<kb>k` (a JSON input of that size, BENCH_SCALE's input rows).
 */
function profiledCase(name: string): BenchCase | undefined {
  if (name === 'one-task') return undefined;
  const tasks = /^tasks-(\d+)$/.exec(name);
  if (tasks) return chainCase(Number(tasks[1]));
  const input = /^input-(\d+)k$/.exec(name);
  if (input) return inputCase(Number(input[1]) * 1024);
  throw new Error(`PROFILE_CASE must be one-task, tasks-<n> or input-<kb>k, not ${name}`);
}

/** The largest profile in `profileDir` is the server's main thread (workers and the tsx loader write their own). */
function readMainProfile(profileDir: string): { file: string; profile: CpuProfile } {
  const files = fs
    .readdirSync(profileDir)
    .filter((file) => file.endsWith('.cpuprofile'))
    .map((file) => path.join(profileDir, file));
  const file = files.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
  if (!file) throw new Error(`no .cpuprofile was written to ${profileDir}`);
  return { file, profile: JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile };
}

/** Runs the server finished since it started (`weir_runs_finished_total`, every result). */
async function runsFinished(baseUrl: string, token: string): Promise<number> {
  const answer = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  const text = await answer.text();
  let total = 0;
  for (const match of text.matchAll(/^weir_runs_finished_total(?:\{[^}]*\})? (\S+)$/gm)) total += Number(match[1]);
  return total;
}

/** How many commits the server made since it started, and their mean batch and time (`GET /metrics`). */
async function commitBatches(baseUrl: string, token: string): Promise<string> {
  const answer = await fetch(`${baseUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  const text = await answer.text();
  const read = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const count = read('weir_commit_batch_size_count');
  const writes = read('weir_commit_batch_size_sum');
  const seconds = read('weir_commit_batch_duration_seconds_sum');
  const claims = read('weir_claim_duration_seconds_count');
  const claimSeconds = read('weir_claim_duration_seconds_sum');
  return (
    `${count} commits, ${(writes / count).toFixed(1)} writes per commit, ` +
    `${((seconds / count) * 1e6).toFixed(0)} µs per commit (begin to durable); ` +
    `${claims} claims, ${((claimSeconds / claims) * 1e6).toFixed(0)} µs each (their commit included)`
  );
}

/**
 * Executing standard runs alone: a backlog filled with the workers off (not profiled), then the server
 * restarted on it with its workers and the profiler; the window is from ready to drained.
 */
async function profileDrain(options: {
  runs: number;
  top: number;
  profileDir: string;
  dataDir: string;
  serverCpu: number | null;
  databaseUrl: string | undefined;
}): Promise<void> {
  const shared = {
    cpu: options.serverCpu,
    dataDir: options.dataDir,
    timeoutMs: 60_000,
    entry: path.join('src', 'cli', 'main.ts'),
    secretKey: randomBytes(32).toString('hex'),
    client: { clientId: 'weir-profile', clientSecret: randomBytes(24).toString('hex') },
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
  };
  const filler = await startWeirServer({ ...shared, env: { WEIR_WORKER_CONCURRENCY: '0' } });
  let token = await fetchAccessToken(filler.baseUrl, shared.client.clientId, shared.client.clientSecret);
  const workflow = await setUpWorkflow(filler.baseUrl, token);
  const headers = { 'content-type': 'application/json', 'api-token': workflow.apiToken };
  const load = {
    url: workflow.runUrl,
    headers,
    body: REQUEST_BODY,
    connections: 50,
    pipelining: 1,
    timeoutSeconds: 10,
  };
  const fill = await runAmount(load, options.runs, 600, 'backlog fill');
  await filler.server.stop(10_000);
  const drainer = await startWeirServer({
    ...shared,
    healthPollMs: 20,
    nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`],
  });
  const readyAt = Date.now();
  token = await fetchAccessToken(drainer.baseUrl, shared.client.clientId, shared.client.clientSecret);
  const drain = await waitForDrain({
    baseUrl: drainer.baseUrl,
    token,
    workflowId: workflow.id,
    since: readyAt,
    limitSeconds: 600,
    pollMs: 100,
  });
  if (drain.kind !== 'drained') throw new Error(`the backlog did not drain: ${JSON.stringify(drain)}`);
  const commits = await commitBatches(drainer.baseUrl, token);
  await stopAllServers(30_000);
  const exitedAt = Date.now();
  const window = { fromEndUs: (exitedAt - readyAt) * 1000, toEndUs: (exitedAt - drain.at) * 1000 };
  const { file, profile } = readMainProfile(options.profileDir);
  process.stdout.write(
    `Weir draining ${fill.status2xx} standard runs: ${(fill.status2xx / drain.seconds).toFixed(0)} runs/s ` +
      `(${drain.seconds.toFixed(1)} s from ready); ${commits}\nprofile: ${path.relative(REPO_ROOT, file) || file}\n` +
      `${summarize(profile, window, fill.status2xx, options.top)}\n`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`profile failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
