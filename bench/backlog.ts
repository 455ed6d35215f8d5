import { randomBytes } from 'node:crypto';
import { checkNotInterrupted, log, makeDataDir, removeDataDir, sleep } from './lifecycle.js';
import { runAmount } from './load.js';
import { filesystemOf } from './machine.js';
import { loadFor, waitForDrain } from './measure.js';
import { residentMegabytes, sampleAt, startRssSampler, type RssSample } from './memory.js';
import type { ProductionBuild } from './production-build.js';
import { describeDrain, formatInteger, type DrainOutcome } from './report.js';
import type { BenchSettings } from './settings.js';
import { startWeirServer, type StartedWeir } from './start-servers.js';
import { below, atLeast, TARGETS, type TargetCheck } from './targets.js';
import {
  countRuns,
  fetchAccessToken,
  fetchHeapUsedMegabytes,
  probeStandardRun,
  REQUEST_BODY,
  setUpWorkflow,
} from './weir-client.js';

/**
 * BENCH_SCALE, part two: a backlog of standard runs (default 100,000) on its own data dir.
 *
 * 1. A node with its workers off (`WEIR_WORKER_CONCURRENCY=0`) takes `/run` for the one-task workflow
 *    as fast as 50 connections send them, until the backlog is full; it is then stopped. Filling with
 *    the workers off keeps accepting and executing apart: the drain starts from a known backlog, all of
 *    it on disk, as after an outage or a burst, and its rate is the execution rate alone.
 * 2. `weir serve` (default workers) starts on that database: spawn to `GET /health` 200 is the restart
 *    time with the backlog queued. It then drains the backlog; the benchmark polls until no run is
 *    `Queued`, `Processing` or `Pending`, and samples the server's RSS every 250 ms meanwhile.
 * 3. It is stopped and started once more: the restart time on a database of that many finished runs.
 */

export interface BacklogOutcome {
  lines: string[];
  checks: TargetCheck[];
  problems: string[];
  /** What the servers printed besides where they listen (warnings, errors), for the notes. */
  serverOutput: string[];
}

const RSS_SAMPLE_MS = 250;
const DRAIN_POLL_MS = 1_000;
/** The JS heap is read from `GET /metrics`, less often: each read is a request the server answers. */
const HEAP_SAMPLE_MS = 5_000;

/**
 * When a fresh server's RSS is read, in seconds after `GET /health` 200: at 3 s it still holds what starting
 * made (V8 keeps the young generation it grew to, ~32 MB, until its memory reducer runs, about 8-10 s into
 * idling); at 15 s it is what a server idling in production holds. The target is checked on the second.
 */
const EARLY_RSS_SECONDS = 3;
const IDLE_RSS_SECONDS = 15;

/** What a fresh server of the build showed. */
export interface FreshServer {
  /** Spawn to `GET /health` 200. */
  startMs: number;
  /** RSS 3 s after it was ready. */
  earlyRssMegabytes: number | null;
  /** RSS 15 s after it was ready: idle. */
  idleRssMegabytes: number | null;
}

/** A fresh server (empty data dir) of the build: spawn to `GET /health` 200, and its RSS while idling. */
export async function measureFreshServer(
  settings: BenchSettings,
  cpu: number | null,
  build: ProductionBuild,
): Promise<FreshServer> {
  const dataDir = makeDataDir(settings.tmpParent, 'weir-bench-fresh-', settings.keepData);
  log(`starting the build of weir on an empty data dir (RSS while idling ${IDLE_RSS_SECONDS} s) ...`);
  const weir = await startWeirServer({
    cpu,
    dataDir,
    timeoutMs: settings.startSeconds * 1000,
    entry: build.entry,
    plainNode: { guardUrl: build.guardUrl },
    name: 'weir (fresh)',
    healthPollMs: 20,
  });
  await sleep(EARLY_RSS_SECONDS * 1000);
  const earlyRssMegabytes = residentMegabytes(weir.server.pid);
  await sleep((IDLE_RSS_SECONDS - EARLY_RSS_SECONDS) * 1000);
  const idleRssMegabytes = residentMegabytes(weir.server.pid);
  await weir.server.stop(10_000);
  removeDataDir(dataDir);
  return { startMs: weir.startMs, earlyRssMegabytes, idleRssMegabytes };
}

export async function measureBacklog(
  settings: BenchSettings,
  cpu: number | null,
  build: ProductionBuild,
): Promise<BacklogOutcome> {
  const dataDir = makeDataDir(settings.tmpParent, 'weir-bench-backlog-', settings.keepData);
  // Every start shares the key (sealed API tokens stay readable) and the bootstrap client.
  const shared = {
    cpu,
    dataDir,
    timeoutMs: settings.startSeconds * 1000,
    entry: build.entry,
    plainNode: { guardUrl: build.guardUrl },
    secretKey: randomBytes(32).toString('hex'),
    client: { clientId: 'weir-bench', clientSecret: randomBytes(24).toString('hex') },
  };
  const problems: string[] = [];
  const lines = [
    `backlog of ${formatInteger(settings.backlogRuns)} standard runs (the one-task workflow of row 5), ` +
      `data dir ${dataDir} (${filesystemOf(dataDir)}):`,
  ];

  // 1. Fill.
  log(`backlog: starting weir with its workers off ...`);
  const filler = await startWeirServer({
    ...shared,
    name: 'weir (workers off)',
    env: { WEIR_WORKER_CONCURRENCY: '0' },
  });
  let token = await fetchAccessToken(filler.baseUrl, shared.client.clientId, shared.client.clientSecret);
  const workflow = await setUpWorkflow(filler.baseUrl, token);
  const headers = { 'content-type': 'application/json', 'api-token': workflow.apiToken };
  await probeStandardRun(workflow.runUrl, headers);
  checkNotInterrupted();
  log(`backlog: sending ${formatInteger(settings.backlogRuns)} POST /run (at most ${settings.backlogSeconds} s) ...`);
  const fillStartedAt = Date.now();
  const fill = await runAmount(
    loadFor(settings, { url: workflow.runUrl, headers, body: REQUEST_BODY }),
    settings.backlogRuns,
    settings.backlogSeconds,
    'backlog fill',
  );
  const fillSeconds = (Date.now() - fillStartedAt) / 1000;
  const queued = fill.status2xx + 1; // and the probe
  lines.push(
    `  filled with the workers off (WEIR_WORKER_CONCURRENCY=0): ${formatInteger(queued)} runs accepted in ` +
      `${fillSeconds.toFixed(1)} s (${formatInteger(fill.status2xx / fillSeconds)}/s; p50 ${fill.p50Ms} ms, p99 ${fill.p99Ms} ms)`,
  );
  if (fill.errors > 0 || fill.non2xx > 0)
    problems.push(`backlog fill: ${fill.errors} errors, ${fill.non2xx} non-2xx (${JSON.stringify(fill.statusCounts)})`);
  if (fill.status2xx < settings.backlogRuns)
    problems.push(
      `backlog fill: only ${formatInteger(fill.status2xx)} of ${formatInteger(settings.backlogRuns)} accepted ` +
        `within BENCH_BACKLOG_SECONDS=${settings.backlogSeconds}`,
    );
  await filler.server.stop(10_000);
  checkNotInterrupted();

  // 2. Restart with the backlog queued, and drain it.
  log('backlog: restarting weir with its workers on; draining ...');
  const drainer = await startWeirServer({ ...shared, name: 'weir (draining)', healthPollMs: 20 });
  const readyAt = Date.now();
  const stopSampler = startRssSampler(drainer.server.pid, RSS_SAMPLE_MS);
  let drain: DrainOutcome;
  let samples: RssSample[];
  const heap: RssSample[] = [];
  let heapTimer: NodeJS.Timeout | undefined;
  try {
    token = await fetchAccessToken(drainer.baseUrl, shared.client.clientId, shared.client.clientSecret);
    const readHeap = (): void => {
      void fetchHeapUsedMegabytes(drainer.baseUrl, token).then((megabytes) => {
        if (megabytes !== null) heap.push({ seconds: (Date.now() - readyAt) / 1000, megabytes });
      });
    };
    readHeap();
    heapTimer = setInterval(readHeap, HEAP_SAMPLE_MS);
    drain = await waitForDrain({
      baseUrl: drainer.baseUrl,
      token,
      workflowId: workflow.id,
      since: readyAt,
      limitSeconds: settings.backlogSeconds,
      pollMs: DRAIN_POLL_MS,
    });
  } finally {
    clearInterval(heapTimer);
    samples = stopSampler();
  }
  const finalHeap = await fetchHeapUsedMegabytes(drainer.baseUrl, token);
  if (finalHeap !== null) heap.push({ seconds: (Date.now() - readyAt) / 1000, megabytes: finalHeap });
  lines.push(`  restarted with them queued: ready ${seconds(drainer)} after spawn (GET /health 200)`);
  const drainRate = drain.kind === 'drained' ? queued / drain.seconds : null;
  lines.push(
    `  drained: ${describeDrain(drain, 'ready')}` + (drainRate === null ? '' : `: ${formatInteger(drainRate)} runs/s`),
  );
  if (drain.kind !== 'drained') problems.push(`backlog drain: ${describeDrain(drain, 'the restart')}`);
  else problems.push(...(await failedRuns(drainer, token, workflow.id)));
  const rss = describeRss(samples, heap);
  lines.push(...rss.lines);
  await drainer.server.stop(10_000);
  checkNotInterrupted();

  // 3. Restart on the drained database.
  log('backlog: restarting weir on the drained database ...');
  const again = await startWeirServer({ ...shared, name: 'weir (restart)', healthPollMs: 20 });
  lines.push(`  restarted on the drained database: ready ${seconds(again)} after spawn`);
  await again.server.stop(10_000);
  removeDataDir(dataDir);

  const restartTarget = `< ${TARGETS.restartSeconds} s`;
  const checks: TargetCheck[] = [
    {
      label: 'backlog drained per second',
      value: drainRate === null ? 'n/a' : `${formatInteger(drainRate)}/s`,
      target: `>= ${formatInteger(TARGETS.finishedPerSecond)}/s`,
      isMet: atLeast(drainRate, TARGETS.finishedPerSecond),
    },
    {
      label: 'RSS flat while draining',
      value: rss.growth === null ? 'n/a' : `x ${rss.growth.toFixed(2)}`,
      target: `<= x ${TARGETS.drainRssGrowth.toFixed(2)}`,
      isMet: below(rss.growth, TARGETS.drainRssGrowth, true),
      note: 'highest RSS in the last quarter of the drain / in the second quarter',
    },
    {
      label: 'restart, backlog queued',
      value: seconds(drainer),
      target: restartTarget,
      isMet: below(drainer.startMs / 1000, TARGETS.restartSeconds),
    },
    {
      label: 'restart, backlog finished',
      value: seconds(again),
      target: restartTarget,
      isMet: below(again.startMs / 1000, TARGETS.restartSeconds),
    },
  ];
  const serverOutput = [filler, drainer, again].flatMap((weir) =>
    weir.server
      .outputTail(20)
      .filter((line) => !line.startsWith('Weir is listening'))
      .map((line) => `${weir.server.name}: ${line}`),
  );
  return { lines, checks, problems, serverOutput };
}

function seconds(weir: StartedWeir): string {
  return `${(weir.startMs / 1000).toFixed(2)} s`;
}

/** Runs of the backlog that did not end well: they would make the drain rate meaningless. */
async function failedRuns(weir: StartedWeir, token: string, workflowId: string): Promise<string[]> {
  const errors = await countRuns(weir.baseUrl, token, workflowId, { result: 'Error' }, 10);
  const stopped = await countRuns(weir.baseUrl, token, workflowId, { status: 'Stopped' }, 10);
  if (errors + stopped === 0) return [];
  return [`backlog drain: runs ended badly (result Error: ${errors}, Stopped: ${stopped}; at most 10 counted)`];
}

/**
 * The RSS samples in a few lines: start, peak, end, and one sample every 10 % of the drain, with the JS
 * heap beside them. `growth` is the highest RSS of the last quarter of the drain over the highest of
 * the second quarter. The first quarter is left out: a server that starts working grows (JIT, caches)
 * whatever the backlog. Peaks over a quarter, not single samples, because the garbage collector saws
 * RSS up and down by tens of MB. What RSS holds beyond the JS heap is native: SQLite's page cache
 * (bounded by the store's `cache_size`, filling as the database grows), code, buffers.
 */
function describeRss(samples: RssSample[], heap: RssSample[]): { lines: string[]; growth: number | null } {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (first === undefined || last === undefined)
    return { lines: ['  RSS while draining: not measured (no /proc)'], growth: null };
  const peak = samples.reduce((best, sample) => (sample.megabytes > best.megabytes ? sample : best));
  const peakBetween = (from: number, to: number): number | null => {
    const inside = samples.filter((s) => s.seconds >= from * last.seconds && s.seconds <= to * last.seconds);
    return inside.length === 0 ? null : Math.max(...inside.map((sample) => sample.megabytes));
  };
  const second = peakBetween(0.25, 0.5);
  const fourth = peakBetween(0.75, 1);
  const tenths = (series: RssSample[]): string =>
    Array.from({ length: 11 }, (_, i) => sampleAt(series, i / 10)?.megabytes.toFixed(0) ?? '?').join(' ');
  return {
    lines: [
      `  RSS while draining, MB: start ${first.megabytes.toFixed(0)}, peak ${peak.megabytes.toFixed(0)} ` +
        `(at ${peak.seconds.toFixed(1)} s), end ${last.megabytes.toFixed(0)}; highest in the second quarter ` +
        `${second?.toFixed(0) ?? 'n/a'}, in the last ${fourth?.toFixed(0) ?? 'n/a'}; ${samples.length} samples`,
      `  RSS at 0 %, 10 %, ..., 100 % of the drain, MB: ${tenths(samples)}`,
      heap.length === 0
        ? '  JS heap in use: not read (GET /metrics unavailable)'
        : `  JS heap in use (GET /metrics every ${HEAP_SAMPLE_MS / 1000} s), same points, MB: ${tenths(heap)}`,
    ],
    growth: second === null || fourth === null ? null : fourth / second,
  };
}
