/**
 * Trigger benchmark: how many requests per second Weir's trigger API takes, next to a bare Fastify
 * route and to the durable-write floor (a bare node:http server committing one SQLite row per request)
 * on the same machine, and whether issue 14's targets are met. `npm run bench`; `BENCH_SCALE=1` adds
 * how cost grows (tasks, input size, a 100,000-run backlog, restart time, idle RSS). See
 * bench/README.md for the settings and how to read the output. Loopback only; every phase is bounded;
 * every server it starts is stopped on the way out (success, error, SIGINT/SIGTERM), and
 * bench/orphan-guard.ts stops them if this process is killed.
 *
 * Exit code: 0 clean, 1 the benchmark could not run (a server did not start, a probe failed),
 * 2 figures measured but flagged (errors, non-2xx, wrong bodies, failed runs), 3 a target not met with
 * BENCH_ENFORCE_TARGET=1, 130/143 interrupted.
 */
import path from 'node:path';
import { measureBacklog, measureFreshServer, type BacklogOutcome, type FreshServer } from './backlog.js';
import { measureGrowth, type GrowthOutcome } from './growth.js';
import { installShutdownHandlers, isInterrupted, log, makeDataDir, removeDataDir } from './lifecycle.js';
import { describeMachine, filesystemOf, setUpPinning } from './machine.js';
import { loadFor, measure, syncScenario } from './measure.js';
import { buildForProduction, type ProductionBuild } from './production-build.js';
import {
  formatInteger,
  formatTable,
  loudBlock,
  notesOf,
  problemsOf,
  type ScenarioResult,
  type TableRow,
} from './report.js';
import { stopAllServers, type ServerProcess } from './server-process.js';
import { readSettings } from './settings.js';
import { measureStandard, type StandardOutcome } from './standard-runs.js';
import { inheritedWeirVariables, startBareServer, startFloorServer, type WeirLaunch } from './start-servers.js';
import { anyMissed, formatTargets, type TargetCheck } from './targets.js';
import { mainChecks, scaleChecks } from './trigger-targets.js';
import { probeAnswer, REQUEST_BODY } from './weir-client.js';
import { preparePostgresWeir, prepareWeir, type PreparedWeir } from './weir-setup.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

/** BENCH_SCALE's build of src/ and what a fresh server of it showed. */
interface ScaleSetup {
  build: ProductionBuild;
  fresh: FreshServer;
}

async function main(): Promise<number> {
  installShutdownHandlers();
  const settings = readSettings();
  const machine = describeMachine(); // before pinning narrows this process's CPU set
  const pinning = setUpPinning(settings.isPinningEnabled);
  const cpu = pinning.serverCpu;
  const startedAt = Date.now();
  const header: string[] = [
    'Weir trigger benchmark',
    ...machine,
    `pinning: ${pinning.description}`,
    `load: autocannon, ${settings.connections} connections, pipelining ${settings.pipelining}, loopback; ` +
      `POST ${REQUEST_BODY} unless the row says otherwise`,
    `durations: warm-up ${settings.warmupSeconds} s (discarded) + measured ${settings.seconds} s per scenario; ` +
      `/run backlog drain limit ${settings.drainSeconds} s`,
  ];
  for (const line of header) log(line);

  // Everything is built, started and probed before anything is measured, so a broken part fails early.
  // The Weir rows run the build, as `npm start` does, unless BENCH_WEIR_ENTRY names another entry.
  let scale: ScaleSetup | null = null;
  let launch: WeirLaunch | null = settings.weirEntry === null ? null : { entry: settings.weirEntry };
  if (!settings.isBaselineOnly && (launch === null || settings.isScale)) {
    log('building src/ (scripts/build.mjs) ...');
    const build = await buildForProduction({ keep: settings.keepData, timeoutSeconds: settings.backlogSeconds });
    launch ??= { entry: build.entry, plainNode: { guardUrl: build.guardUrl } };
    header.push(
      `build: src/ bundled in ${build.seconds.toFixed(1)} s (scripts/build.mjs), run with plain node like npm start` +
        (settings.weirEntry === null ? '' : ' (the fresh server, the backlog, the restarts)'),
    );
    if (settings.isScale) scale = { build, fresh: await measureFreshServer(settings, cpu, build) };
  }
  const bare = await startBareServer(cpu, settings.startSeconds * 1000);
  const bareBody = await probeAnswer('probe bare fastify', bare.url, JSON_HEADERS);
  const floorDir = makeDataDir(settings.tmpParent, 'weir-bench-floor-', settings.keepData);
  const floor = await startFloorServer({
    cpu,
    dbFile: path.join(floorDir, 'floor.db'),
    timeoutMs: settings.startSeconds * 1000,
  });
  const floorBody = await probeAnswer('probe durable-write floor', floor.url, JSON_HEADERS);
  header.push(
    `floor: node:http + better-sqlite3, ${floor.sqlite} ` +
      `(WEIR_SQLITE_SYNCHRONOUS=${process.env.WEIR_SQLITE_SYNCHRONOUS ?? 'FULL'}); ` +
      `file in ${floorDir} (${filesystemOf(floorDir)})`,
  );
  let prepared: PreparedWeir | null = null;
  if (!settings.isBaselineOnly) {
    if (launch === null) throw new Error('no Weir to start: the build was skipped');
    prepared = await prepareWeir(settings, cpu, launch);
    header.push(
      `weir: ${path.relative(process.cwd(), launch.entry)}${launch.plainNode ? ' (plain node)' : ' (through tsx)'} serve, ready in ${(prepared.weir.startMs / 1000).toFixed(1)} s; ` +
        `data dir ${prepared.dataDir} (${filesystemOf(prepared.dataDir)}), the same synchronous setting`,
    );
    const inherited = inheritedWeirVariables(process.env);
    if (inherited.length > 0) header.push(`weir: inherited settings ${inherited.join(' ')}`);
  }

  const results: ScenarioResult[] = [];
  const problems: string[] = [];
  const fixedAnswer = (server: ServerProcess, url: string, body: string) => ({
    server,
    load: loadFor(settings, { url, headers: JSON_HEADERS, body: REQUEST_BODY, expectBody: body }),
  });
  results.push(
    await measure(
      { key: 'bare', name: '(1) bare fastify POST', ...fixedAnswer(bare.server, bare.url, bareBody) },
      settings,
    ),
  );
  await bare.server.stop(5_000); // idle from here on: free its CPU share and memory
  const floorResult = await measure(
    { key: 'floor', name: '(2) durable-write floor', ...fixedAnswer(floor.server, floor.url, floorBody) },
    settings,
  );
  results.push(floorResult);
  await floor.server.stop(10_000);
  problems.push(...floorRowProblems(floor.server.outputTail(60), floorResult));
  removeDataDir(floorDir);

  let standard: StandardOutcome | null = null;
  let growth: GrowthOutcome | null = null;
  if (prepared !== null) {
    const { weir } = prepared;
    const sync = await measure(syncScenario(prepared.oneTask, weir.server, settings), settings);
    const sync5 = await measure(syncScenario(prepared.fiveTasks, weir.server, settings), settings);
    results.push(sync, sync5);
    // Before the /run load: every /sync figure is taken on the same small database.
    if (prepared.growth !== null)
      growth = await measureGrowth({ cases: prepared.growth, server: weir.server, fiveTasks: sync5, settings });
    standard = await measureStandard(prepared, settings, [sync, sync5, ...(growth?.results ?? [])]);
    results.push(standard.result);
    problems.push(...standard.problems);
    await weir.server.stop(10_000);
    const onPostgres = await preparePostgresWeir(settings, cpu, prepared.launch);
    if (typeof onPostgres === 'string') {
      header.push(`postgres: row (6) not measured: ${onPostgres}`);
    } else {
      header.push(
        'postgres: row (6) is a second Weir on a fresh database there (PostgreSQL on this machine, unpinned)',
      );
      try {
        results.push(await measure(syncScenario(onPostgres.oneTask, onPostgres.weir.server, settings), settings));
      } finally {
        await onPostgres.weir.server.stop(10_000);
        await onPostgres.drop();
      }
    }
  }
  let backlog: BacklogOutcome | null = null;
  if (scale !== null) {
    backlog = await measureBacklog(settings, cpu, scale.build);
    problems.push(...backlog.problems);
  }

  const unclean = await stopAllServers(10_000);
  const allResults = [...results, ...(growth?.results ?? [])];
  const notes = notesOf(allResults);
  if (unclean.length > 0) notes.push(`${unclean.join(', ')} did not exit within 10 s of SIGTERM and was killed`);
  const weirServer = prepared?.weir.server;
  // Its one line at startup says where it listens; anything else is a warning or a crash.
  const weirLines = weirServer?.outputTail(60).filter((line) => !line.startsWith('Weir is listening')) ?? [];
  if (weirServer !== undefined && weirLines.length > 0) {
    const tail = weirLines.slice(-10).map((line) => `      ${line}`);
    notes.push(`weir printed lines at warn level or above (or crashed); the last ones:\n${tail.join('\n')}`);
  }
  if (backlog !== null && backlog.serverOutput.length > 0) {
    const tail = backlog.serverOutput.slice(-10).map((line) => `      ${line}`);
    notes.push(`the backlog's servers printed (warn level and above, or a crash):\n${tail.join('\n')}`);
  }
  problems.unshift(...allResults.flatMap(problemsOf));

  const checks: TargetCheck[] = mainChecks(results, standard);
  const out: string[] = ['', ...header, '', formatTable(mainRows(results, standard), 'vs bare'), ''];
  if (standard !== null) out.push(...standard.lines, '');
  if (prepared !== null) out.push(...formatTargets('targets (issue 14), ratios within this run:', checks));
  let scaleTargets: TargetCheck[] = [];
  if (scale !== null) {
    out.push('', ...(growth?.lines ?? []), '');
    out.push(
      `fresh server (the build, empty data dir): ready ${(scale.fresh.startMs / 1000).toFixed(2)} s after spawn; ` +
        `RSS ${scale.fresh.earlyRssMegabytes?.toFixed(0) ?? 'n/a'} MB 3 s later, ` +
        `${scale.fresh.idleRssMegabytes?.toFixed(0) ?? 'n/a'} MB idle (15 s later)`,
    );
    out.push(...(backlog?.lines ?? []));
    scaleTargets = scaleChecks(growth, backlog, scale.fresh.idleRssMegabytes);
    out.push('', ...formatTargets('targets (issue 14), how cost grows:', scaleTargets));
  }
  out.push('', `total wall time: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  if (notes.length > 0) out.push('', 'notes:', ...notes.map((note) => `  - ${note}`));
  if (problems.length > 0)
    out.push('', loudBlock('THESE FIGURES ARE NOT CLEAN: requests failed or answered wrongly', problems));
  process.stdout.write(`${out.join('\n')}\n`);

  if (problems.length > 0) return 2;
  if (settings.enforceTarget && anyMissed([...checks, ...scaleTargets])) return 3;
  return 0;
}

function mainRows(results: ScenarioResult[], standard: StandardOutcome | null): TableRow[] {
  const bare = results.find((result) => result.key === 'bare')?.measured.requestsPerSecond ?? 0;
  const ratio = (rate: number): number | null => (bare > 0 ? rate / bare : null);
  const rows: TableRow[] = results.map((result) => {
    const rate = result.measured.requestsPerSecond;
    return { name: result.name, result, rate, ratio: ratio(rate) };
  });
  if (standard?.finishedPerSecond != null) {
    const rate = standard.finishedPerSecond;
    // Under the /run row it comes from.
    const at = rows.findIndex((row) => row.result?.key === 'run') + 1;
    rows.splice(at > 0 ? at : rows.length, 0, {
      name: '(5) weir /run, runs finished',
      result: null,
      rate,
      ratio: ratio(rate),
    });
  }
  return rows;
}

/** The floor must have committed a row for every request it answered 200. */
function floorRowProblems(output: string[], result: ScenarioResult): string[] {
  const line = output.find((text) => text.startsWith('FLOOR_ROWS '));
  const rows = line === undefined ? null : Number(line.slice('FLOOR_ROWS '.length));
  const answered = result.warmup.status2xx + result.measured.status2xx + 1;
  if (rows === null || !Number.isInteger(rows))
    return [
      `durable-write floor: it did not report its committed rows on exit (output: ${output.slice(-3).join(' | ')})`,
    ];
  if (rows < answered)
    return [
      `durable-write floor: answered ${formatInteger(answered)} requests but committed only ${formatInteger(rows)} rows`,
    ];
  return [];
}

main().then(
  (code) => {
    process.exitCode = code;
    // Everything is stopped by now; should a stray handle keep the loop alive, do not hang.
    setTimeout(() => process.exit(code), 2_000).unref();
  },
  async (error: unknown) => {
    if (isInterrupted()) return; // the signal handler stops the servers and exits
    const message = error instanceof Error ? error.message : String(error);
    const bar = '!'.repeat(78);
    process.stderr.write(`\n${bar}\n!!! BENCHMARK ABORTED: ${message}\n${bar}\n`);
    await stopAllServers(5_000);
    process.exit(1);
  },
);
