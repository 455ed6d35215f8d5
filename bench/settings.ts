import os from 'node:os';

/** The trigger benchmark's settings, from `BENCH_*` variables (bench/README.md, "Settings"). */
export interface BenchSettings {
  /** Measured seconds per scenario (`BENCH_SECONDS`, 10). */
  seconds: number;
  /** Discarded seconds before each measurement. */
  warmupSeconds: number;
  connections: number;
  pipelining: number;
  /** How long the `/run` backlog of the default run may take to finish (`BENCH_DRAIN_SECONDS`, 60). */
  drainSeconds: number;
  /** How long a server may take to start (`BENCH_START_SECONDS`, 60). */
  startSeconds: number;
  isPinningEnabled: boolean;
  /** Only the servers without Weir: bare Fastify and the durable-write floor (`BENCH_BASELINE_ONLY`). */
  isBaselineOnly: boolean;
  /** Also measure how cost grows: tasks, input size, a backlog, restart, idle RSS (`BENCH_SCALE`). */
  isScale: boolean;
  /** Standard runs in the backlog (`BENCH_BACKLOG_RUNS`, 100,000). */
  backlogRuns: number;
  /** Limit for filling the backlog, and again for draining it (`BENCH_BACKLOG_SECONDS`, 600). */
  backlogSeconds: number;
  keepData: boolean;
  /** Exit 3 when a target is not met (`BENCH_ENFORCE_TARGET`). */
  enforceTarget: boolean;
  /** Where the data dirs (Weir's and the floor's) are made (`BENCH_TMPDIR`). */
  tmpParent: string;
  /**
   * `BENCH_WEIR_ENTRY`: a CLI to start (through tsx) for the Weir rows instead of the build, e.g.
   * `src/cli/main.ts` to measure the source as the tests run it. Null (the default): the build.
   */
  weirEntry: string | null;
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

/** Reads and checks the settings; throws with the variable's name on a bad value. */
export function readSettings(): BenchSettings {
  return {
    seconds: intFromEnv('BENCH_SECONDS', 10, 1, 600),
    warmupSeconds: 2,
    connections: 50,
    pipelining: 1,
    drainSeconds: intFromEnv('BENCH_DRAIN_SECONDS', 60, 1, 600),
    startSeconds: intFromEnv('BENCH_START_SECONDS', 60, 5, 600),
    isPinningEnabled: flagFromEnv('BENCH_PIN', true),
    isBaselineOnly: flagFromEnv('BENCH_BASELINE_ONLY', false),
    isScale: flagFromEnv('BENCH_SCALE', false),
    backlogRuns: intFromEnv('BENCH_BACKLOG_RUNS', 100_000, 100, 10_000_000),
    backlogSeconds: intFromEnv('BENCH_BACKLOG_SECONDS', 600, 10, 7_200),
    keepData: flagFromEnv('BENCH_KEEP_DATA', false),
    enforceTarget: flagFromEnv('BENCH_ENFORCE_TARGET', false),
    tmpParent: process.env.BENCH_TMPDIR || os.tmpdir(),
    weirEntry: process.env.BENCH_WEIR_ENTRY || null,
  };
}
