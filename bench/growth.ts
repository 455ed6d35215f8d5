import { measure, syncScenario, type PreparedCase } from './measure.js';
import { cpuMicrosPerRequest, formatInteger, formatTable, type ScenarioResult } from './report.js';
import type { ServerProcess } from './server-process.js';
import type { BenchSettings } from './settings.js';
import { atLeast, below, ratioOf, ratioText, TARGETS, type TargetCheck } from './targets.js';

/**
 * BENCH_SCALE, part one: how the cost of a responsive request grows with the work. `/sync` on
 * workflows of 1, 5 and 20 tasks (a chain of Liquid tasks, then the response formatter) and on a
 * one-task workflow given a 1 KB and a 100 KB JSON input, each measured like the main rows, on the
 * same server, before the `/run` load fills the database. The 5-task figure is row (4) of the main
 * table, not measured twice.
 */

/** The workflows measured here, imported and probed beforehand. */
export interface GrowthCases {
  oneTask: PreparedCase;
  twentyTasks: PreparedCase;
  smallInput: PreparedCase & { bytes: number };
  largeInput: PreparedCase & { bytes: number };
}

export interface GrowthOutcome {
  results: ScenarioResult[];
  /** The table and the lines explaining it. */
  lines: string[];
  checks: TargetCheck[];
}

export async function measureGrowth(options: {
  cases: GrowthCases;
  server: ServerProcess;
  fiveTasks: ScenarioResult;
  settings: BenchSettings;
}): Promise<GrowthOutcome> {
  const { cases, server, fiveTasks, settings } = options;
  const run = (prepared: PreparedCase): Promise<ScenarioResult> =>
    measure(syncScenario(prepared, server, settings), settings);
  const one = await run(cases.oneTask);
  const twenty = await run(cases.twentyTasks);
  const small = await run(cases.smallInput);
  const large = await run(cases.largeInput);

  const rate = (result: ScenarioResult): number => result.measured.requestsPerSecond;
  const rows = [
    { name: one.name, result: one, rate: rate(one), ratio: 1 },
    {
      name: 'weir /sync, 5 tasks (row 4)',
      result: fiveTasks,
      rate: rate(fiveTasks),
      ratio: ratioOf(rate(fiveTasks), rate(one)),
    },
    { name: twenty.name, result: twenty, rate: rate(twenty), ratio: ratioOf(rate(twenty), rate(one)) },
    { name: small.name, result: small, rate: rate(small), ratio: 1 },
    { name: large.name, result: large, rate: rate(large), ratio: ratioOf(rate(large), rate(small)) },
  ];
  const oneMicros = cpuMicrosPerRequest(one);
  const twentyMicros = cpuMicrosPerRequest(twenty);
  const fiveMicros = cpuMicrosPerRequest(fiveTasks);
  const perExtraTask = oneMicros !== null && twentyMicros !== null ? (twentyMicros - oneMicros) / 19 : null;
  const perExtraTaskOfFive = oneMicros !== null && fiveMicros !== null ? (fiveMicros - oneMicros) / 4 : null;
  const smallMicros = cpuMicrosPerRequest(small);
  const largeMicros = cpuMicrosPerRequest(large);
  const twentyRatio = ratioOf(rate(twenty), rate(one));
  const inputRatio = ratioOf(rate(large), rate(small));

  const lines = [
    `how cost grows (BENCH_SCALE=1): /sync, ${settings.connections} connections; "vs first" is against the 1-task ` +
      'row for the task rows and against the 1 KB row for the input rows',
    formatTable(rows, 'vs first'),
    `  tasks: each task beyond the first costs ${microsText(perExtraTask)} µs of server CPU ` +
      `((20 tasks - 1 task) / 19; from the 5-task row: ${microsText(perExtraTaskOfFive)} µs)`,
    `  input: the 100 KB request costs ${microsText(largeMicros)} µs against ${microsText(smallMicros)} µs for 1 KB ` +
      `(${ratioText(ratioOf(largeMicros, smallMicros))} x); bodies of ${formatInteger(cases.smallInput.bytes)} and ` +
      `${formatInteger(cases.largeInput.bytes)} bytes, the invoices a declared JSON input`,
  ];
  const checks: TargetCheck[] = [
    {
      label: '20-task /sync vs 1-task',
      value: ratioText(twentyRatio),
      target: `>= ${TARGETS.twentyVsOneTask.toFixed(2)}`,
      isMet: atLeast(twentyRatio, TARGETS.twentyVsOneTask),
    },
    {
      label: 'server CPU per extra task',
      value: perExtraTask === null ? 'n/a' : `${microsText(perExtraTask)} µs`,
      target: `<= ${TARGETS.microsPerExtraTask} µs`,
      isMet: below(perExtraTask, TARGETS.microsPerExtraTask, true),
      note: '(20 tasks - 1 task) / 19',
    },
    {
      label: '100 KB input vs 1 KB input',
      value: ratioText(inputRatio),
      target: `>= ${TARGETS.largeVsSmallInput.toFixed(2)}`,
      isMet: atLeast(inputRatio, TARGETS.largeVsSmallInput),
    },
  ];
  return { results: [one, twenty, small, large], lines, checks };
}

export function microsText(value: number | null): string {
  return value === null ? 'n/a' : formatInteger(value);
}
