/**
 * Issue 14's targets, as ratios and limits inside one run, and how each check is printed:
 * `  /sync vs bare fastify            0.12   target >= 0.50        NOT met`.
 */

export const TARGETS = {
  /** Weir `/sync` req/s over bare Fastify's. */
  syncVsBare: 0.5,
  /** Weir `/sync` on PostgreSQL (one node) req/s over bare Fastify's. */
  postgresSyncVsBare: 0.25,
  /** Weir `/sync` req/s over the durable-write floor's. */
  syncVsFloor: 0.4,
  /** `/sync` p99 at 50 connections, ms (strictly below). */
  syncP99Ms: 20,
  /** Weir `/run` accepted req/s over bare Fastify's. */
  runVsBare: 0.8,
  /** Standard runs of a one-task workflow finished per second. */
  finishedPerSecond: 10_000,
  /** Server CPU each task beyond the first may add to a `/sync` request, µs. */
  microsPerExtraTask: 50,
  /** A 20-task `/sync` req/s over the one-task workflow's. */
  twentyVsOneTask: 1 / 4,
  /** `/sync` with a 100 KB JSON input over the same workflow with a 1 KB input. */
  largeVsSmallInput: 1 / 3,
  /** `weir serve`, spawn to `GET /health` 200, seconds (strictly below). */
  restartSeconds: 1,
  /** RSS of a fresh, idle server, MB. */
  idleRssMegabytes: 80,
  /** RSS while draining the backlog: the highest sample of the last quarter over the highest of the second. */
  drainRssGrowth: 1.2,
} as const;

/** One target: the figure measured, the target it is held to, and whether it was met (null: not measured). */
export interface TargetCheck {
  label: string;
  value: string;
  target: string;
  isMet: boolean | null;
  /** How the figure was computed, when the label does not say. */
  note?: string;
}

/** `value >= min`, or null when the value is unknown. */
export function atLeast(value: number | null, min: number): boolean | null {
  return value === null || !Number.isFinite(value) ? null : value >= min;
}

/** `value < max` (or `<=` with `inclusive`), or null when the value is unknown. */
export function below(value: number | null, max: number, inclusive = false): boolean | null {
  if (value === null || !Number.isFinite(value)) return null;
  return inclusive ? value <= max : value < max;
}

/** `0.12`, or `n/a`. */
export function ratioText(value: number | null): string {
  return value === null || !Number.isFinite(value) ? 'n/a' : value.toFixed(2);
}

/** `a / b`, or null when either is missing or `b` is 0. */
export function ratioOf(a: number | null | undefined, b: number | null | undefined): number | null {
  return a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b;
}

/** The checks as aligned lines under `title`. */
export function formatTargets(title: string, checks: TargetCheck[]): string[] {
  const labelWidth = Math.max(...checks.map((check) => check.label.length));
  const valueWidth = Math.max(...checks.map((check) => check.value.length));
  const targetWidth = Math.max(...checks.map((check) => check.target.length));
  const verdict = (isMet: boolean | null): string => (isMet === null ? 'not measured' : isMet ? 'met' : 'NOT met');
  return [
    title,
    ...checks.map((check) =>
      [
        `  ${check.label.padEnd(labelWidth)}`,
        check.value.padStart(valueWidth),
        `target ${check.target.padEnd(targetWidth)}`,
        verdict(check.isMet).padEnd(12),
        check.note ?? '',
      ]
        .join('  ')
        .trimEnd(),
    ),
  ];
}

/** Whether any target was measured and missed. */
export function anyMissed(checks: TargetCheck[]): boolean {
  return checks.some((check) => check.isMet === false);
}
