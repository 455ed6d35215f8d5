import type { CpuUse } from './cpu-meter.js';
import type { LoadSummary } from './load.js';
import type { LiveRunStatus } from './weir-client.js';

/** A load generator above this share of one CPU may itself be what capped the figure. */
const LOAD_GENERATOR_SATURATED_PERCENT = 90;
/** A server below this share of its CPU under 50 connections was held back by something else. */
const SERVER_UNSATURATED_PERCENT = 80;

/** One scenario's outcome. */
export interface ScenarioResult {
  /** Stable key: `bare`, `floor`, `sync`, `sync5`, `run`, ... */
  key: string;
  /** Shown in the table. */
  name: string;
  warmup: LoadSummary;
  measured: LoadSummary;
  cpu: CpuUse;
  /** Whether each response body was compared with the probe's (only when the answer is fixed). */
  isBodyChecked: boolean;
  /** A `/sync` scenario: 211/212 means the run was queued in standard mode instead of answered. */
  isResponsive: boolean;
  /** Epoch ms: start of the warm-up, end of the measured phase. */
  startedAt: number;
  endedAt: number;
}

/** How a backlog of standard runs finished. */
export type DrainOutcome =
  | { kind: 'drained'; seconds: number; at: number }
  | { kind: 'timeout'; seconds: number; stillLive: Record<LiveRunStatus, number>; cap: number }
  | { kind: 'unknown'; reason: string };

/** Server CPU (every thread) per response of the measured phase, in µs; null when unknown. */
export function cpuMicrosPerRequest(result: ScenarioResult): number | null {
  const { serverSeconds } = result.cpu;
  if (serverSeconds === null || result.measured.responses === 0) return null;
  return (serverSeconds * 1e6) / result.measured.responses;
}

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
          (result.isResponsive
            ? ' (211/212: the run was queued in standard mode instead of answered responsively)'
            : ''),
      );
    }
  }
  if (result.measured.responses === 0) problems.push(`${result.name}: no responses at all`);
  return problems;
}

/** Observations that do not invalidate the figures but change how to read them. */
export function notesOf(results: ScenarioResult[]): string[] {
  const notes: string[] = [];
  for (const result of results) {
    if (result.cpu.loadGeneratorPercent >= LOAD_GENERATOR_SATURATED_PERCENT) {
      notes.push(
        `${result.name}: the load generator used ${result.cpu.loadGeneratorPercent.toFixed(0)} % of a CPU; ` +
          'the figure may be capped by autocannon rather than by the server',
      );
    }
  }
  const unsaturated = results.filter(
    (result) => result.cpu.serverPercent !== null && result.cpu.serverPercent < SERVER_UNSATURATED_PERCENT,
  );
  if (unsaturated.length > 0) {
    const list = unsaturated.map((result) => `${result.name} ${percent(result.cpu.serverPercent)}`).join(', ');
    notes.push(
      `servers below ${SERVER_UNSATURATED_PERCENT} % of their CPU: ${list}. They waited (on fsync, on their ` +
        'workers) or other processes took the CPU: req/s then understates what the code can do, and ' +
        'cpu µs/req is the steadier figure to compare',
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

/** One line of a table: a measured scenario, or a derived figure (only its rate) such as runs finished per second. */
export interface TableRow {
  name: string;
  result: ScenarioResult | null;
  /** Requests (or runs) per second. */
  rate: number;
  /** The rate against the table's reference row; null when there is none. */
  ratio: number | null;
}

/** A results table, one row a line; the last column is each row's `ratio`, titled `ratioTitle`. */
export function formatTable(rows: TableRow[], ratioTitle: string): string {
  const measured = (cell: (result: ScenarioResult) => string) => (row: TableRow) =>
    row.result === null ? '-' : cell(row.result);
  const columns: Array<{ title: string; align: 'left' | 'right'; cell: (row: TableRow) => string }> = [
    { title: 'scenario', align: 'left', cell: (row) => row.name },
    { title: 'req/s (mean)', align: 'right', cell: (row) => oneDecimal.format(row.rate) },
    { title: 'p50 ms', align: 'right', cell: measured((r) => r.measured.p50Ms.toFixed(2)) },
    { title: 'p99 ms', align: 'right', cell: measured((r) => r.measured.p99Ms.toFixed(2)) },
    { title: 'non-2xx', align: 'right', cell: measured((r) => integer.format(r.measured.non2xx)) },
    { title: 'errors', align: 'right', cell: measured((r) => integer.format(r.measured.errors)) },
    {
      title: 'bad body',
      align: 'right',
      cell: measured((r) => (r.isBodyChecked ? integer.format(wrongBodiesOf200(r.measured)) : '-')),
    },
    { title: 'server cpu', align: 'right', cell: measured((r) => percent(r.cpu.serverPercent)) },
    {
      title: 'cpu µs/req',
      align: 'right',
      cell: measured((r) => {
        const micros = cpuMicrosPerRequest(r);
        return micros === null ? 'n/a' : integer.format(micros);
      }),
    },
    { title: 'loadgen cpu', align: 'right', cell: measured((r) => percent(r.cpu.loadGeneratorPercent)) },
    { title: ratioTitle, align: 'right', cell: (row) => (row.ratio === null ? 'n/a' : row.ratio.toFixed(2)) },
  ];
  const cells = rows.map((row) => columns.map((column) => column.cell(row)));
  const widths = columns.map((column, index) =>
    Math.max(column.title.length, ...cells.map((row) => row[index]?.length ?? 0)),
  );
  const line = (texts: string[]): string =>
    texts
      .map((text, index) => pad(text, widths[index] ?? 0, columns[index]?.align ?? 'left'))
      .join('  ')
      .trimEnd();
  const header = line(columns.map((column) => column.title));
  return [header, '-'.repeat(header.length), ...cells.map(line)].join('\n');
}

/** How a drain ended, as the end of a sentence: `finished 1.9 s after <since>`, or what stopped it. */
export function describeDrain(outcome: DrainOutcome, since: string): string {
  switch (outcome.kind) {
    case 'drained':
      return `all finished ${outcome.seconds.toFixed(1)} s after ${since}`;
    case 'timeout': {
      const live = Object.entries(outcome.stillLive)
        .map(([status, count]) => `${status} ${count >= outcome.cap ? `>= ${outcome.cap}` : count}`)
        .join(', ');
      return `NOT all finished ${outcome.seconds.toFixed(0)} s after ${since} (still live: ${live})`;
    }
    case 'unknown':
      return `finish time unknown: ${outcome.reason}`;
  }
}

/** `12,345` */
export function formatInteger(value: number): string {
  return integer.format(value);
}

/** A block that cannot be missed in a scrolling terminal or a CI log. */
export function loudBlock(title: string, lines: string[]): string {
  const bar = '!'.repeat(78);
  return [bar, `!!! ${title}`, ...lines.map((line) => `!!!   - ${line}`), bar].join('\n');
}
