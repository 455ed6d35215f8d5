import type { CpuUse } from './cpu-meter.js';
import type { LoadSummary } from './load.js';
import type { LiveRunStatus } from './weir-client.js';

/** The target the responsive trigger is held to: this share of the bare Fastify baseline's req/s. */
export const RESPONSIVE_TARGET_RATIO = 0.5;

/** A load generator above this share of one CPU may itself be what capped the figure. */
const LOAD_GENERATOR_SATURATED_PERCENT = 90;

/** One scenario's outcome. */
export interface ScenarioResult {
  /** Stable key: `bare`, `sync`, `run`. */
  key: 'bare' | 'sync' | 'run';
  /** Shown in the table. */
  name: string;
  warmup: LoadSummary;
  measured: LoadSummary;
  cpu: CpuUse;
  /** Whether each response body was compared with the probe's (only when the answer is fixed). */
  isBodyChecked: boolean;
}

/** How the standard-mode backlog finished. */
export type DrainOutcome =
  | { kind: 'drained'; seconds: number }
  | { kind: 'timeout'; seconds: number; stillLive: Record<LiveRunStatus, number>; cap: number }
  | { kind: 'unknown'; reason: string };

/**
 * 200 answers whose body was not the probe's. autocannon's `mismatches` also counts every non-200
 * answer (their bodies differ too); those are reported by status, so they are taken out here.
 */
export function wrongBodiesOf200(phase: LoadSummary): number {
  const non200 = phase.responses - (phase.statusCounts['200'] ?? 0);
  return Math.max(0, phase.mismatches - non200);
}

function describeStatuses(counts: Record<string, number>, keep: (code: number) => boolean): string {
  return Object.entries(counts)
    .filter(([code, count]) => keep(Number(code)) && count > 0)
    .map(([code, count]) => `${code}×${count}`)
    .join(', ');
}

/** Everything that makes a scenario's figures untrustworthy. Empty when the run was clean. */
export function problemsOf(result: ScenarioResult): string[] {
  const problems: string[] = [];
  for (const [label, phase] of [
    ['warm-up', result.warmup],
    ['measured', result.measured],
  ] as const) {
    const where = `${result.name}, ${label}`;
    if (phase.errors > 0) problems.push(`${where}: ${phase.errors} errors (${phase.timeouts} of them timeouts)`);
    if (phase.non2xx > 0) {
      problems.push(
        `${where}: ${phase.non2xx} non-2xx responses (${describeStatuses(phase.statusCounts, (code) => code < 200 || code > 299)})`,
      );
    }
    const wrongBodies = result.isBodyChecked ? wrongBodiesOf200(phase) : 0;
    if (wrongBodies > 0)
      problems.push(`${where}: ${wrongBodies} answers were 200 but with a body other than the probe's`);
    const other2xx = describeStatuses(phase.statusCounts, (code) => code >= 201 && code <= 299);
    if (other2xx !== '') {
      problems.push(
        `${where}: answered ${other2xx} instead of 200` +
          (result.key === 'sync'
            ? ' (211/212: the run was queued in standard mode instead of answered responsively)'
            : ''),
      );
    }
  }
  if (result.measured.responses === 0) problems.push(`${result.name}: no responses at all`);
  return problems;
}

/** Observations that do not invalidate the figures but change how to read them. */
export function notesOf(result: ScenarioResult): string[] {
  const notes: string[] = [];
  if (result.cpu.loadGeneratorPercent >= LOAD_GENERATOR_SATURATED_PERCENT) {
    notes.push(
      `${result.name}: the load generator used ${result.cpu.loadGeneratorPercent.toFixed(0)} % of a CPU; ` +
        'the figure may be capped by autocannon rather than by the server',
    );
  }
  return notes;
}

function pad(text: string, width: number, align: 'left' | 'right'): string {
  return align === 'left' ? text.padEnd(width) : text.padStart(width);
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

function percent(value: number | null): string {
  return value === null ? 'n/a' : `${value.toFixed(0)}%`;
}

/** The results table, one scenario a line; ratios against the `bare` scenario. */
export function formatTable(results: ScenarioResult[]): string {
  const baseline = results.find((result) => result.key === 'bare')?.measured.requestsPerSecond ?? 0;
  const columns: Array<{ title: string; align: 'left' | 'right'; cell: (result: ScenarioResult) => string }> = [
    { title: 'scenario', align: 'left', cell: (r) => r.name },
    { title: 'req/s (mean)', align: 'right', cell: (r) => oneDecimal.format(r.measured.requestsPerSecond) },
    { title: 'p50 ms', align: 'right', cell: (r) => r.measured.p50Ms.toFixed(2) },
    { title: 'p99 ms', align: 'right', cell: (r) => r.measured.p99Ms.toFixed(2) },
    { title: 'non-2xx', align: 'right', cell: (r) => integer.format(r.measured.non2xx) },
    { title: 'errors', align: 'right', cell: (r) => integer.format(r.measured.errors) },
    {
      title: 'bad body',
      align: 'right',
      cell: (r) => (r.isBodyChecked ? integer.format(wrongBodiesOf200(r.measured)) : '-'),
    },
    { title: 'server cpu', align: 'right', cell: (r) => percent(r.cpu.serverPercent) },
    { title: 'loadgen cpu', align: 'right', cell: (r) => percent(r.cpu.loadGeneratorPercent) },
    {
      title: 'vs bare',
      align: 'right',
      cell: (r) => (baseline > 0 ? (r.measured.requestsPerSecond / baseline).toFixed(2) : 'n/a'),
    },
  ];
  const rows = results.map((result) => columns.map((column) => column.cell(result)));
  const widths = columns.map((column, index) =>
    Math.max(column.title.length, ...rows.map((row) => row[index]?.length ?? 0)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, index) => pad(cell, widths[index] ?? 0, columns[index]?.align ?? 'left'))
      .join('  ')
      .trimEnd();
  const header = line(columns.map((column) => column.title));
  return [header, '-'.repeat(header.length), ...rows.map(line)].join('\n');
}

/** `responsive/baseline ratio: X.XX (target >= 0.50)`, or `n/a` when either scenario is missing. */
export function formatRatioLine(results: ScenarioResult[]): { line: string; ratio: number | null } {
  const bare = results.find((result) => result.key === 'bare')?.measured.requestsPerSecond;
  const sync = results.find((result) => result.key === 'sync')?.measured.requestsPerSecond;
  const ratio = bare !== undefined && sync !== undefined && bare > 0 ? sync / bare : null;
  const shown = ratio === null ? 'n/a' : ratio.toFixed(2);
  return { line: `responsive/baseline ratio: ${shown} (target >= ${RESPONSIVE_TARGET_RATIO.toFixed(2)})`, ratio };
}

/** `standard runs accepted: N, finished after X s`, or what stopped us from saying so. */
export function formatDrainLine(accepted: number, outcome: DrainOutcome): string {
  const head = `standard runs accepted: ${integer.format(accepted)}`;
  switch (outcome.kind) {
    case 'drained':
      return `${head}, finished after ${outcome.seconds.toFixed(1)} s`;
    case 'timeout': {
      const live = Object.entries(outcome.stillLive)
        .map(([status, count]) => `${status} ${count >= outcome.cap ? `>= ${outcome.cap}` : count}`)
        .join(', ');
      return `${head}, NOT finished after ${outcome.seconds.toFixed(0)} s (still live: ${live})`;
    }
    case 'unknown':
      return `${head}, finish time unknown: ${outcome.reason}`;
  }
}

/** A block that cannot be missed in a scrolling terminal or a CI log. */
export function loudBlock(title: string, lines: string[]): string {
  const bar = '!'.repeat(78);
  return [bar, `!!! ${title}`, ...lines.map((line) => `!!!   - ${line}`), bar].join('\n');
}
