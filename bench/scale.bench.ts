/**
 * Scale benchmark: Weir on PostgreSQL with 1, 2 and 3 nodes side by side, each node's CPU capped by a
 * cgroup so that PostgreSQL and the load generator are not the limit on a small machine.
 * `BENCH_STORE=postgres npm run bench`; see bench/README.md ("Scale-out on PostgreSQL").
 *
 * For each node count: a fresh database, that many `weir serve` processes on it (the same secret key
 * and admin client), a one-task workflow, then standard triggers (`POST /run`) spread evenly over the
 * nodes by autocannon: a warm-up, a measured window, and the wait until every accepted run is final.
 * Exit code: 0 clean, 1 could not run, 2 figures flagged (errors, non-2xx), 3 below target with
 * BENCH_ENFORCE_TARGET=1.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { capCpu, cpuCapUnavailable, removeAllCpuCaps } from './cpu-cap.js';
import { runPhase, stopAllLoads, type LoadSummary } from './load.js';
import { describeMachine } from './machine.js';
import { killAllServersNow, stopAllServers } from './server-process.js';
import { createDatabase, POSTGRES_URL } from './postgres-database.js';
import { startWeirServer, type StartedWeir } from './start-servers.js';
import { fetchAccessToken, probeStandardRun, REQUEST_BODY, setUpWorkflow } from './weir-client.js';

/** 3 nodes must take at least this many times what one node takes (issue 9). */
const SCALE_TARGET = 2.5;

interface ScaleSettings {
  nodeCounts: number[];
  nodeCpus: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
  drainSeconds: number;
  postgresUrl: string;
  enforceTarget: boolean;
}

function readSettings(): ScaleSettings {
  const counts = (process.env.BENCH_NODES ?? '1,2,3').split(',').map((part) => Number(part.trim()));
  if (counts.some((count) => !Number.isInteger(count) || count < 1 || count > 8)) {
    throw new Error(`BENCH_NODES must be node counts from 1 to 8, e.g. 1,2,3; got "${process.env.BENCH_NODES}".`);
  }
  const cpus = Number(process.env.BENCH_NODE_CPU ?? '0.15');
  if (!(cpus > 0 && cpus <= 64)) throw new Error(`BENCH_NODE_CPU must be a CPU share such as 0.25; got ${cpus}.`);
  const seconds = Number(process.env.BENCH_SECONDS ?? '10');
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 600) throw new Error('BENCH_SECONDS must be 1 to 600.');
  return {
    nodeCounts: counts,
    nodeCpus: cpus,
    seconds,
    warmupSeconds: 2,
    connections: 48,
    drainSeconds: Number(process.env.BENCH_DRAIN_SECONDS ?? '120'),
    postgresUrl: POSTGRES_URL,
    enforceTarget: process.env.BENCH_ENFORCE_TARGET === '1',
  };
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** One round's figures. */
interface RoundResult {
  nodes: number;
  /** Phase 1, trigger-only nodes (`WEIR_WORKER_CONCURRENCY=0`): standard triggers accepted per second. */
  acceptedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Phase 2, the same nodes restarted with workers and no load: the backlog executed per second. */
  finishedPerSecond: number;
  /** Phase 3, workers and triggers at once: accepted per second, and runs finished per second until drained. */
  mixedAcceptedPerSecond: number;
  mixedFinishedPerSecond: number;
  non2xx: number;
  errors: number;
  /** Each node's CPU over phase 1, % of one CPU. */
  nodeCpuPercent: number[];
  postgresCpuPercent: number | null;
}

/** CPU seconds of every process whose command name is `name` (PostgreSQL's backends), from /proc. */
function cpuSecondsOfCommand(name: string): number | null {
  try {
    let total = 0;
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        if (!command.startsWith(name)) continue;
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        total += (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        // The process ended meanwhile.
      }
    }
    return total;
  } catch {
    return null;
  }
}

function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Runs that reached a final status, read from the database. */
async function finishedRuns(sql: pg.Pool): Promise<{ finished: number; live: number }> {
  const { rows } = await sql.query<{ finished: string; live: string }>(
    `SELECT count(*) FILTER (WHERE status IN ('Finished', 'Stopped')) AS finished,
            count(*) FILTER (WHERE status NOT IN ('Finished', 'Stopped')) AS live
     FROM runs`,
  );
  return { finished: Number(rows[0]?.finished ?? 0), live: Number(rows[0]?.live ?? 0) };
}

/** Autocannon against every node at once, the connections split evenly; the phases' figures summed. */
async function loadAll(urls: string[], headers: Record<string, string>, connections: number, seconds: number) {
  const each = Math.max(1, Math.floor(connections / urls.length));
  const phases = await Promise.all(
    urls.map((url, i) =>
      runPhase(
        { url, headers, body: REQUEST_BODY, connections: each, pipelining: 1, timeoutSeconds: 10 },
        seconds,
        `node ${i + 1}`,
      ),
    ),
  );
  const sum = (pick: (phase: LoadSummary) => number): number => phases.reduce((total, phase) => total + pick(phase), 0);
  return {
    status2xx: sum((phase) => phase.status2xx),
    non2xx: sum((phase) => phase.non2xx),
    errors: sum((phase) => phase.errors),
    // Latencies: the worst node's, which is what a client behind a load balancer sees at worst.
    p50Ms: Math.max(...phases.map((phase) => phase.p50Ms)),
    p99Ms: Math.max(...phases.map((phase) => phase.p99Ms)),
    durationSeconds: Math.max(...phases.map((phase) => phase.durationSeconds)),
  };
}

/** One Weir cluster of a round: its nodes, all on one database, each capped. */
class RoundCluster {
  readonly started: StartedWeir[] = [];
  private readonly dirs: string[] = [];
  private generation = 0;

  constructor(
    private readonly databaseUrl: string,
    private readonly settings: ScaleSettings,
    private readonly round: number,
    readonly shared: { secretKey: string; client: { clientId: string; clientSecret: string } },
  ) {}

  /** Starts `nodes` nodes with `workers` task instances each from the queue (0: trigger-only). */
  async start(nodes: number, workers: number): Promise<void> {
    this.generation += 1;
    for (let i = 0; i < nodes; i++) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weir-scale-'));
      this.dirs.push(dataDir);
      const weir = await startWeirServer({
        cpu: null,
        dataDir,
        timeoutMs: 60_000,
        entry: path.join('src', 'cli', 'main.ts'),
        databaseUrl: this.databaseUrl,
        secretKey: this.shared.secretKey,
        client: this.shared.client,
        name: `weir node ${i + 1}`,
        env: { WEIR_WORKER_CONCURRENCY: String(workers) },
      });
      if (weir.server.pid === undefined) throw new Error('a node has no pid');
      const name = `weir-bench-${process.pid}-r${this.round}-g${this.generation}-n${i + 1}`;
      capCpu(name, weir.server.pid, this.settings.nodeCpus);
      this.started.push(weir);
    }
  }

  async stop(): Promise<void> {
    await stopAllServers(10_000);
    this.started.length = 0;
    removeAllCpuCaps();
  }

  removeDirs(): void {
    for (const dir of this.dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function round(nodes: number, settings: ScaleSettings, roundIndex: number): Promise<RoundResult> {
  const database = await createDatabase(settings.postgresUrl);
  const sql = new pg.Pool({ connectionString: database.url, max: 1 });
  const cluster = new RoundCluster(database.url, settings, roundIndex, {
    secretKey: randomBytes(32).toString('hex'),
    client: { clientId: 'weir-bench', clientSecret: randomBytes(24).toString('hex') },
  });
  const label = `${nodes} node${nodes === 1 ? '' : 's'}`;
  try {
    // Phase 1: trigger-only nodes, so that what is measured is what accepting costs.
    log(`${label}: starting trigger-only nodes on ${database.url} ...`);
    await cluster.start(nodes, 0);
    const first = cluster.started[0] as StartedWeir;
    const { clientId, clientSecret } = cluster.shared.client;
    const token = await fetchAccessToken(first.baseUrl, clientId, clientSecret);
    const workflow = await setUpWorkflow(first.baseUrl, token);
    const headers = { 'content-type': 'application/json', 'api-token': workflow.apiToken };
    const urlsOf = (): string[] => cluster.started.map((weir) => `${weir.baseUrl}/api/v1/workflows/${workflow.id}/run`);
    for (const url of urlsOf()) await probeStandardRun(url, headers);
    log(`${label}: warm-up ${settings.warmupSeconds} s, then accepting for ${settings.seconds} s ...`);
    await loadAll(urlsOf(), headers, settings.connections, settings.warmupSeconds);
    const cpuBefore = cluster.started.map((weir) => cpuSecondsOf(weir.server.pid));
    const pgBefore = cpuSecondsOfCommand('postgres');
    const acceptStarted = Date.now();
    const accept = await loadAll(urlsOf(), headers, settings.connections, settings.seconds);
    const acceptSeconds = (Date.now() - acceptStarted) / 1000;
    const cpuAfter = cluster.started.map((weir) => cpuSecondsOf(weir.server.pid));
    const pgAfter = cpuSecondsOfCommand('postgres');

    // Phase 2: the same number of nodes with workers and no load execute the backlog.
    await cluster.stop();
    log(`${label}: restarting with workers to execute the backlog of ${(await finishedRuns(sql)).live} runs ...`);
    const before = await finishedRuns(sql);
    await cluster.start(nodes, 32);
    const drainStarted = Date.now();
    await waitUntilDrained(sql, settings.drainSeconds);
    const drainSeconds = (Date.now() - drainStarted) / 1000;
    const drained = (await finishedRuns(sql)).finished - before.finished;

    // Phase 3: both at once, as in production.
    log(`${label}: triggers and workers together for ${settings.seconds} s ...`);
    const mixedBefore = await finishedRuns(sql);
    const mixedStarted = Date.now();
    const mixed = await loadAll(urlsOf(), headers, settings.connections, settings.seconds);
    await waitUntilDrained(sql, settings.drainSeconds);
    const mixedSeconds = (Date.now() - mixedStarted) / 1000;
    const mixedFinished = (await finishedRuns(sql)).finished - mixedBefore.finished;
    return {
      nodes,
      acceptedPerSecond: accept.status2xx / accept.durationSeconds,
      p50Ms: accept.p50Ms,
      p99Ms: accept.p99Ms,
      finishedPerSecond: drained / drainSeconds,
      mixedAcceptedPerSecond: mixed.status2xx / mixed.durationSeconds,
      mixedFinishedPerSecond: mixedFinished / mixedSeconds,
      non2xx: accept.non2xx + mixed.non2xx,
      errors: accept.errors + mixed.errors,
      nodeCpuPercent: cpuAfter.map((seconds, i) => (100 * (seconds - (cpuBefore[i] ?? 0))) / acceptSeconds),
      postgresCpuPercent: pgBefore !== null && pgAfter !== null ? (100 * (pgAfter - pgBefore)) / acceptSeconds : null,
    };
  } finally {
    await cluster.stop();
    await sql.end().catch(() => undefined);
    await database.drop().catch((error: unknown) => log(`could not drop ${database.url}: ${String(error)}`));
    cluster.removeDirs();
  }
}

/** Waits until no run is live; returns the seconds it took. */
async function waitUntilDrained(sql: pg.Pool, limitSeconds: number): Promise<number> {
  const startedAt = Date.now();
  for (;;) {
    if ((await finishedRuns(sql)).live === 0) return (Date.now() - startedAt) / 1000;
    if (Date.now() - startedAt > limitSeconds * 1000) {
      throw new Error(`the backlog did not drain within ${limitSeconds} s (BENCH_DRAIN_SECONDS)`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function pad(value: string, width: number): string {
  return value.padStart(width);
}

function report(results: RoundResult[], settings: ScaleSettings, header: string[]): { text: string; code: number } {
  const one = results.find((result) => result.nodes === 1);
  const ratio = (value: number, base: number | undefined): string =>
    base === undefined || base === 0 ? '—' : `${(value / base).toFixed(2)}x`;
  const lines = [
    '',
    ...header,
    '',
    '       (1) trigger-only nodes          (2) backlog executed  (3) both at once',
    'nodes  accepted/s  vs 1   p50   p99    finished/s  vs 1      accepted/s  finished/s  non-2xx errors  node cpu % (1)      postgres cpu % (1)',
    '-'.repeat(136),
  ];
  for (const result of results) {
    lines.push(
      [
        pad(String(result.nodes), 5),
        pad(result.acceptedPerSecond.toFixed(0), 11),
        pad(ratio(result.acceptedPerSecond, one?.acceptedPerSecond), 5),
        pad(result.p50Ms.toFixed(0), 5),
        pad(result.p99Ms.toFixed(0), 5),
        pad(result.finishedPerSecond.toFixed(0), 13),
        pad(ratio(result.finishedPerSecond, one?.finishedPerSecond), 5),
        pad(result.mixedAcceptedPerSecond.toFixed(0), 15),
        pad(result.mixedFinishedPerSecond.toFixed(0), 11),
        pad(String(result.non2xx), 8),
        pad(String(result.errors), 6),
        '  ' +
          result.nodeCpuPercent
            .map((percent) => percent.toFixed(0))
            .join(' / ')
            .padEnd(18),
        pad(result.postgresCpuPercent === null ? '—' : result.postgresCpuPercent.toFixed(0), 19),
      ].join(' '),
    );
  }
  let code = 0;
  const most = results.reduce((best, result) => (result.nodes > best.nodes ? result : best), results[0] as RoundResult);
  if (one && most.nodes === 3) {
    const accepted = most.acceptedPerSecond / one.acceptedPerSecond;
    const finished = most.finishedPerSecond / one.finishedPerSecond;
    const isMet = accepted >= SCALE_TARGET && finished >= SCALE_TARGET;
    lines.push(
      '',
      `3 nodes vs 1: accepted ${accepted.toFixed(2)} x, finished ${finished.toFixed(2)} x ` +
        `(target >= ${SCALE_TARGET} x: ${isMet ? 'met' : 'NOT MET'}); both at once: accepted ` +
        `${ratio(most.mixedAcceptedPerSecond, one.mixedAcceptedPerSecond)}, finished ` +
        `${ratio(most.mixedFinishedPerSecond, one.mixedFinishedPerSecond)}`,
    );
    if (!isMet && settings.enforceTarget) code = 3;
  }
  if (results.some((result) => result.non2xx > 0 || result.errors > 0)) {
    lines.push('', 'THESE FIGURES ARE NOT CLEAN: some requests failed or were refused (see non-2xx and errors).');
    code = Math.max(code, 2);
  }
  return { text: `${lines.join('\n')}\n`, code };
}

async function main(): Promise<number> {
  const settings = readSettings();
  const unavailable = cpuCapUnavailable();
  if (unavailable !== null) throw new Error(`cannot cap the nodes' CPU: ${unavailable}`);
  const probe = new pg.Client({ connectionString: settings.postgresUrl, connectionTimeoutMillis: 3_000 });
  await probe.connect().catch((error: unknown) => {
    throw new Error(`cannot reach PostgreSQL at ${settings.postgresUrl} (BENCH_POSTGRES_URL): ${String(error)}`);
  });
  const { rows } = await probe.query<{ server_version: string }>('SHOW server_version');
  await probe.end();
  const header = [
    'Weir scale benchmark (PostgreSQL, standard triggers)',
    ...describeMachine(),
    `postgresql: ${rows[0]?.server_version ?? '?'} at ${settings.postgresUrl} (uncapped)`,
    `nodes: ${settings.nodeCounts.join(', ')}; each capped at ${settings.nodeCpus} CPU by a cgroup; one database per round`,
    `load: autocannon, ${settings.connections} connections split evenly over the nodes, POST /run ${REQUEST_BODY}, ` +
      `warm-up ${settings.warmupSeconds} s + measured ${settings.seconds} s`,
    '(1) nodes with WEIR_WORKER_CONCURRENCY=0 take the triggers: accepted/s = 2xx answers per second; ' +
      '(2) the same nodes restarted with workers (32) and no load execute that backlog: finished/s; ' +
      '(3) triggers and workers at once: accepted/s while loaded, finished/s from the start until drained',
  ];
  for (const line of header) log(line);
  const results: RoundResult[] = [];
  for (const [i, nodes] of settings.nodeCounts.entries()) results.push(await round(nodes, settings, i));
  const { text, code } = report(results, settings, header);
  process.stdout.write(text);
  return code;
}

process.on('exit', () => {
  killAllServersNow();
  removeAllCpuCaps();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopAllLoads();
    void stopAllServers(5_000).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

main().then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), 2_000).unref();
  },
  async (error: unknown) => {
    process.stderr.write(`\nSCALE BENCHMARK ABORTED: ${error instanceof Error ? error.message : String(error)}\n`);
    await stopAllServers(5_000);
    process.exit(1);
  },
);
