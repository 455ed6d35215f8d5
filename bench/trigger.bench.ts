/**
 * Trigger benchmark: how many requests per second Weir's trigger API takes, next to a bare Fastify
 * route on the same machine. `npm run bench`; see bench/README.md for the settings and how to read
 * the output. Loopback only; every phase is bounded; every server it starts is stopped on the way
 * out (success, error, SIGINT/SIGTERM), and bench/orphan-guard.ts stops them if this process is killed.
 *
 * Exit code: 0 clean, 1 the benchmark could not run (a server did not start, a probe failed),
 * 2 figures measured but flagged (errors, non-2xx, wrong bodies), 3 below target with
 * BENCH_ENFORCE_TARGET=1, 130/143 interrupted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCpuMeter } from './cpu-meter.js';
import { runPhase, stopAllLoads, type LoadOptions } from './load.js';
import { describeMachine, filesystemOf, setUpPinning } from './machine.js';
import {
  formatDrainLine,
  formatRatioLine,
  formatTable,
  loudBlock,
  notesOf,
  problemsOf,
  RESPONSIVE_TARGET_RATIO,
  type DrainOutcome,
  type ScenarioResult,
} from './report.js';
import { killAllServersNow, stopAllServers, type ServerProcess } from './server-process.js';
import { inheritedWeirVariables, startBareServer, startWeirServer, type StartedWeir } from './start-servers.js';
import {
  countLiveRuns,
  fetchAccessToken,
  probeAnswer,
  probeStandardRun,
  readRun,
  REQUEST_BODY,
  setUpWorkflow,
  type BenchWorkflow,
} from './weir-client.js';

interface BenchSettings {
  seconds: number;
  warmupSeconds: number;
  connections: number;
  pipelining: number;
  drainSeconds: number;
  startSeconds: number;
  isPinningEnabled: boolean;
  isBaselineOnly: boolean;
  keepData: boolean;
  enforceTarget: boolean;
  tmpParent: string;
  weirEntry: string;
}

class BenchInterrupted extends Error {
  override readonly name = 'BenchInterrupted';
}

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}; got "${raw}".`);
  }
  return value;
}

function flagFromEnv(name: string, fallback: boolean): boolean {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  return !['0', 'false', 'no', 'off'].includes(raw.toLowerCase());
}

function readSettings(): BenchSettings {
  return {
    seconds: intFromEnv('BENCH_SECONDS', 10, 1, 600),
    warmupSeconds: 2,
    connections: 50,
    pipelining: 1,
    drainSeconds: intFromEnv('BENCH_DRAIN_SECONDS', 60, 1, 600),
    startSeconds: intFromEnv('BENCH_START_SECONDS', 60, 5, 600),
    isPinningEnabled: flagFromEnv('BENCH_PIN', true),
    isBaselineOnly: flagFromEnv('BENCH_BASELINE_ONLY', false),
    keepData: flagFromEnv('BENCH_KEEP_DATA', false),
    enforceTarget: flagFromEnv('BENCH_ENFORCE_TARGET', false),
    tmpParent: process.env.BENCH_TMPDIR || os.tmpdir(),
    weirEntry: process.env.BENCH_WEIR_ENTRY || path.join('src', 'cli', 'main.ts'),
  };
}

// ---- shutdown: every path out of this process goes through here ----

let dataDirToRemove: string | null = null;
let interruptedAt: number | null = null;

function removeDataDir(): void {
  if (dataDirToRemove === null) return;
  fs.rmSync(dataDirToRemove, { recursive: true, force: true });
  dataDirToRemove = null;
}

process.on('exit', () => {
  killAllServersNow();
  removeDataDir();
});

function onSignal(signal: NodeJS.Signals): void {
  const now = Date.now();
  if (interruptedAt !== null) {
    // tsx relays the terminal's signal too: ignore the echo, honour a second Ctrl-C.
    if (now - interruptedAt < 500) return;
    process.stderr.write(`\n${signal} again: killing the servers.\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  }
  interruptedAt = now;
  process.stderr.write(`\n${signal}: stopping the load and the servers (again to kill at once)...\n`);
  stopAllLoads();
  void stopAllServers(5_000).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

function checkNotInterrupted(): void {
  if (interruptedAt !== null) throw new BenchInterrupted('interrupted');
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

// ---- measuring ----

interface Scenario {
  key: ScenarioResult['key'];
  name: string;
  load: LoadOptions;
  server: ServerProcess;
}

async function measure(scenario: Scenario, settings: BenchSettings): Promise<ScenarioResult> {
  checkNotInterrupted();
  log(`${scenario.name}: warm-up ${settings.warmupSeconds} s ...`);
  const warmup = await runPhase(scenario.load, settings.warmupSeconds, `${scenario.name} warm-up`);
  checkNotInterrupted();
  log(`${scenario.name}: measuring ${settings.seconds} s ...`);
  const stopMeter = startCpuMeter(scenario.server.pid);
  const measured = await runPhase(scenario.load, settings.seconds, scenario.name);
  const cpu = stopMeter();
  checkNotInterrupted();
  log(
    `${scenario.name}: ${measured.requestsPerSecond.toFixed(1)} req/s, ${measured.errors} errors, ${measured.non2xx} non-2xx`,
  );
  return {
    key: scenario.key,
    name: scenario.name,
    warmup,
    measured,
    cpu,
    isBodyChecked: scenario.load.expectBody !== undefined,
  };
}

/** Polls the workflow's live runs until there are none, or `limitSeconds` pass. Seconds count from `since`. */
async function waitForDrain(
  baseUrl: string,
  token: string,
  workflowId: string,
  since: number,
  limitSeconds: number,
): Promise<DrainOutcome> {
  const deadline = since + limitSeconds * 1000;
  try {
    for (;;) {
      checkNotInterrupted();
      const counts = await countLiveRuns(baseUrl, token, workflowId, 1);
      if (counts.Queued + counts.Processing + counts.Pending === 0)
        return { kind: 'drained', seconds: (Date.now() - since) / 1000 };
      if (Date.now() >= deadline) {
        const cap = 50;
        return {
          kind: 'timeout',
          seconds: limitSeconds,
          stillLive: await countLiveRuns(baseUrl, token, workflowId, cap),
          cap,
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } catch (error) {
    if (error instanceof BenchInterrupted) throw error;
    return { kind: 'unknown', reason: error instanceof Error ? error.message : String(error) };
  }
}

// ---- the run ----

/** What the Weir half adds to the report besides its scenario rows. */
interface WeirOutcome {
  results: ScenarioResult[];
  drainLine: string;
  /** Lines explaining the drain line. */
  details: string[];
  /** Findings that make the figures untrustworthy. */
  problems: string[];
}

async function main(): Promise<number> {
  const settings = readSettings();
  const machine = describeMachine(); // before pinning narrows this process's CPU set
  const pinning = setUpPinning(settings.isPinningEnabled);
  const startedAt = Date.now();
  const header: string[] = [
    'Weir trigger benchmark',
    ...machine,
    `pinning: ${pinning.description}`,
    `load: autocannon, ${settings.connections} connections, pipelining ${settings.pipelining}, POST ${REQUEST_BODY}, loopback`,
    `durations: warm-up ${settings.warmupSeconds} s (discarded) + measured ${settings.seconds} s per scenario; ` +
      `backlog drain limit ${settings.drainSeconds} s`,
  ];
  for (const line of header) log(line);

  const bare = await startBareServer(pinning.serverCpu, settings.startSeconds * 1000);
  const bareBody = await probeAnswer('probe bare fastify', bare.url, JSON_HEADERS);

  // Weir is started and checked before anything is measured, so a broken server fails in seconds.
  let prepared: PreparedWeir | null = null;
  if (!settings.isBaselineOnly) {
    checkNotInterrupted();
    prepared = await prepareWeir(settings, pinning.serverCpu);
    header.push(
      `weir: ${settings.weirEntry} serve, ready in ${(prepared.weir.startMs / 1000).toFixed(1)} s; ` +
        `data dir ${prepared.dataDir} (${filesystemOf(prepared.dataDir)})`,
    );
    const inherited = inheritedWeirVariables(process.env);
    if (inherited.length > 0) header.push(`weir: inherited settings ${inherited.join(' ')}`);
  }

  const bareLoad = { ...loadBase(settings), url: bare.url, headers: JSON_HEADERS, expectBody: bareBody };
  const results = [
    await measure({ key: 'bare', name: '(a) bare fastify POST', server: bare.server, load: bareLoad }, settings),
  ];
  await bare.server.stop(5_000); // idle from here on: free its CPU share and memory

  const weir = prepared === null ? null : await measureWeir(prepared, settings);
  if (weir !== null) results.push(...weir.results);

  const unclean = await stopAllServers(10_000);
  const notes = results.flatMap(notesOf);
  if (unclean.length > 0) notes.push(`${unclean.join(', ')} did not exit within 10 s of SIGTERM and was killed`);
  const weirServer = prepared?.weir.server;
  if (weirServer !== undefined && weirServer.outputLines > 0) {
    const count = weirServer.outputLines;
    const tail = weirServer.outputTail(10).map((line) => `      ${line}`);
    notes.push(
      `weir printed ${count} line${count === 1 ? '' : 's'} (warn level and above, or a crash); the last ones:\n${tail.join('\n')}`,
    );
  }

  const out: string[] = ['', ...header, '', formatTable(results), ''];
  const ratio = formatRatioLine(results);
  out.push(ratio.line);
  if (weir !== null) out.push(weir.drainLine, ...weir.details.map((detail) => `  (${detail})`));
  out.push(`total wall time: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  if (notes.length > 0) out.push('', 'notes:', ...notes.map((note) => `  - ${note}`));
  const problems = [...results.flatMap(problemsOf), ...(weir?.problems ?? [])];
  if (problems.length > 0)
    out.push('', loudBlock('THESE FIGURES ARE NOT CLEAN: requests failed or answered wrongly', problems));
  const isBelowTarget = ratio.ratio !== null && ratio.ratio < RESPONSIVE_TARGET_RATIO;
  if (isBelowTarget)
    out.push('', `responsive mode is BELOW the target of ${RESPONSIVE_TARGET_RATIO.toFixed(2)} x the bare baseline.`);
  process.stdout.write(`${out.join('\n')}\n`);

  if (problems.length > 0) return 2;
  if (isBelowTarget && settings.enforceTarget) return 3;
  return 0;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

function loadBase(
  settings: BenchSettings,
): Pick<LoadOptions, 'body' | 'connections' | 'pipelining' | 'timeoutSeconds'> {
  return { body: REQUEST_BODY, connections: settings.connections, pipelining: settings.pipelining, timeoutSeconds: 10 };
}

/** Scenarios (b) and (c), then the wait for the standard-mode backlog. */
async function measureWeir(prepared: PreparedWeir, settings: BenchSettings): Promise<WeirOutcome> {
  const { weir, workflow, token, syncBody, probeRunId } = prepared;
  const headers = { ...JSON_HEADERS, 'api-token': workflow.apiToken };
  const sync = await measure(
    {
      key: 'sync',
      name: '(b) weir responsive POST /sync',
      server: weir.server,
      load: { ...loadBase(settings), url: workflow.syncUrl, headers, expectBody: syncBody },
    },
    settings,
  );
  const run = await measure(
    {
      key: 'run',
      name: '(c) weir standard POST /run',
      server: weir.server,
      load: { ...loadBase(settings), url: workflow.runUrl, headers },
    },
    settings,
  );
  const loadEndedAt = Date.now();

  const queuedBySync = countStatuses(sync, [211, 212]);
  const accepted = run.warmup.status2xx + run.measured.status2xx + 1 + queuedBySync;
  log(`waiting for the standard-mode backlog (up to ${settings.drainSeconds} s) ...`);
  const drain = await waitForDrain(weir.baseUrl, token, workflow.id, loadEndedAt, settings.drainSeconds);
  const details = [
    `accepted = ${run.measured.status2xx} measured + ${run.warmup.status2xx} warm-up + 1 probe` +
      (queuedBySync > 0 ? ` + ${queuedBySync} responsive requests queued in standard mode` : '') +
      '; "finished after" counts from the end of the /run load',
  ];
  const problems: string[] = [];
  if (drain.kind === 'drained') {
    const loadSeconds = settings.warmupSeconds + settings.seconds;
    details.push(
      `runs executed: ${(accepted / (loadSeconds + drain.seconds)).toFixed(0)}/s over the ${loadSeconds} s of /run load plus the drain`,
    );
    const probe = await readRun(weir.baseUrl, token, probeRunId).catch((error: unknown) => ({
      status: `unreadable (${error instanceof Error ? error.message : String(error)})`,
      result: null,
    }));
    const described = `probe run ${probeRunId}: ${probe.status}${probe.result !== null ? `, result ${probe.result}` : ''}`;
    details.push(described);
    if (probe.status !== 'Finished' || (probe.result !== null && probe.result !== 'Success')) {
      problems.push(
        `${described}, expected Finished with result Success: standard runs may be failing, so the drain time means little`,
      );
    }
  }
  return { results: [sync, run], drainLine: formatDrainLine(accepted, drain), details, problems };
}

function countStatuses(result: ScenarioResult, codes: number[]): number {
  return [result.warmup, result.measured].reduce(
    (sum, phase) => sum + codes.reduce((inner, code) => inner + (phase.statusCounts[String(code)] ?? 0), 0),
    0,
  );
}

interface PreparedWeir {
  weir: StartedWeir;
  dataDir: string;
  /** Bearer token of the bootstrap client. */
  token: string;
  workflow: BenchWorkflow;
  /** The exact body `/sync` answered the probe with; the load counts any other body as a mismatch. */
  syncBody: string;
  /** The run the `/run` probe queued; checked after the drain. */
  probeRunId: string;
}

/** Starts Weir on a fresh data dir, sets up the workflow, and checks each trigger once. */
async function prepareWeir(settings: BenchSettings, cpu: number | null): Promise<PreparedWeir> {
  const dataDir = fs.mkdtempSync(path.join(settings.tmpParent, 'weir-bench-'));
  if (!settings.keepData) dataDirToRemove = dataDir;
  log(`starting weir: ${settings.weirEntry} serve (data dir ${dataDir}) ...`);
  const weir = await startWeirServer({
    cpu,
    dataDir,
    timeoutMs: settings.startSeconds * 1000,
    entry: settings.weirEntry,
  });
  const token = await fetchAccessToken(weir.baseUrl, weir.clientId, weir.clientSecret);
  const workflow = await setUpWorkflow(weir.baseUrl, token);
  const triggerHeaders = { 'content-type': 'application/json', 'api-token': workflow.apiToken };
  const syncBody = await probeAnswer(
    'probe POST /sync (the response formatter output)',
    workflow.syncUrl,
    triggerHeaders,
  );
  const probeRunId = await probeStandardRun(workflow.runUrl, triggerHeaders);
  log(`weir ready: workflow ${workflow.id}, /sync answers ${syncBody}`);
  return { weir, dataDir, token, workflow, syncBody, probeRunId };
}

main().then(
  (code) => {
    process.exitCode = code;
    // Everything is stopped by now; should a stray handle keep the loop alive, do not hang.
    setTimeout(() => process.exit(code), 2_000).unref();
  },
  async (error: unknown) => {
    if (interruptedAt !== null) return; // the signal handler stops the servers and exits
    const message = error instanceof Error ? error.message : String(error);
    const bar = '!'.repeat(78);
    process.stderr.write(`\n${bar}\n!!! BENCHMARK ABORTED: ${message}\n${bar}\n`);
    await stopAllServers(5_000);
    process.exit(1);
  },
);
