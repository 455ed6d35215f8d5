import type { BacklogOutcome } from './backlog.js';
import { microsText, type GrowthOutcome } from './growth.js';
import { cpuMicrosPerRequest, formatInteger, type ScenarioResult } from './report.js';
import { atLeast, below, ratioOf, ratioText, TARGETS, type TargetCheck } from './targets.js';

/**
 * The target lines of the trigger benchmark: the main run's (ratios to bare Fastify and to the floor,
 * `/sync` p99, `/run` accepted and finished, the cost of tasks 2 to 5) and BENCH_SCALE's.
 */

/** The main run's checks; figures that were not measured (BENCH_BASELINE_ONLY) say so. */
export function mainChecks(
  results: ScenarioResult[],
  standard: { finishedPerSecond: number | null } | null,
): TargetCheck[] {
  const find = (key: string): ScenarioResult | undefined => results.find((result) => result.key === key);
  const rate = (key: string): number | null => find(key)?.measured.requestsPerSecond ?? null;
  const sync = find('sync');
  const syncVsBare = ratioOf(rate('sync'), rate('bare'));
  const syncVsFloor = ratioOf(rate('sync'), rate('floor'));
  const runVsBare = ratioOf(rate('run'), rate('bare'));
  const postgresVsBare = ratioOf(rate('sync-pg'), rate('bare'));
  const finished = standard?.finishedPerSecond ?? null;
  const one = sync === undefined ? null : cpuMicrosPerRequest(sync);
  const fiveResult = find('sync5');
  const five = fiveResult === undefined ? null : cpuMicrosPerRequest(fiveResult);
  const perExtraTask = one !== null && five !== null ? (five - one) / 4 : null;
  const p99 = sync?.measured.p99Ms ?? null;
  return [
    {
      label: '/sync vs bare fastify',
      value: ratioText(syncVsBare),
      target: `>= ${TARGETS.syncVsBare.toFixed(2)}`,
      isMet: atLeast(syncVsBare, TARGETS.syncVsBare),
    },
    {
      label: '/sync vs durable-write floor',
      value: ratioText(syncVsFloor),
      target: `>= ${TARGETS.syncVsFloor.toFixed(2)}`,
      isMet: atLeast(syncVsFloor, TARGETS.syncVsFloor),
    },
    {
      label: '/sync p99 at 50 connections',
      value: p99 === null ? 'n/a' : `${p99} ms`,
      target: `< ${TARGETS.syncP99Ms} ms`,
      isMet: below(p99, TARGETS.syncP99Ms),
    },
    {
      label: '/sync on PostgreSQL vs bare',
      value: ratioText(postgresVsBare),
      target: `>= ${TARGETS.postgresSyncVsBare.toFixed(2)}`,
      isMet: atLeast(postgresVsBare, TARGETS.postgresSyncVsBare),
      note: 'row (6): one node, PostgreSQL on this machine (unpinned)',
    },
    {
      label: '/run accepted vs bare fastify',
      value: ratioText(runVsBare),
      target: `>= ${TARGETS.runVsBare.toFixed(2)}`,
      isMet: atLeast(runVsBare, TARGETS.runVsBare),
    },
    {
      label: 'standard runs finished',
      value: finished === null ? 'n/a' : `${formatInteger(finished)}/s`,
      target: `>= ${formatInteger(TARGETS.finishedPerSecond)}/s`,
      isMet: atLeast(finished, TARGETS.finishedPerSecond),
      note: 'one-task workflow, row (5)',
    },
    {
      label: 'server CPU per extra task',
      value: perExtraTask === null ? 'n/a' : `${microsText(perExtraTask)} µs`,
      target: `<= ${TARGETS.microsPerExtraTask} µs`,
      isMet: below(perExtraTask, TARGETS.microsPerExtraTask, true),
      note: `(5 tasks - 1 task) / 4; 5-task /sync at ${ratioText(ratioOf(rate('sync5'), rate('sync')))} x the 1-task rate`,
    },
  ];
}

/** BENCH_SCALE's checks: tasks and input size, the backlog, the idle RSS of a fresh server of the build. */
export function scaleChecks(
  growth: GrowthOutcome | null,
  backlog: BacklogOutcome | null,
  idleRssMegabytes: number | null,
): TargetCheck[] {
  return [
    ...(growth?.checks ?? []),
    ...(backlog?.checks ?? []),
    {
      label: 'idle RSS of a fresh server',
      value: idleRssMegabytes === null ? 'n/a' : `${idleRssMegabytes.toFixed(0)} MB`,
      target: `<= ${TARGETS.idleRssMegabytes} MB`,
      isMet: below(idleRssMegabytes, TARGETS.idleRssMegabytes, true),
      note: 'the build, plain node, 15 s after GET /health 200',
    },
  ];
}
