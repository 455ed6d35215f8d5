import { startCpuMeter } from './cpu-meter.js';
import { BenchInterrupted, checkNotInterrupted, log, sleep } from './lifecycle.js';
import { runPhase, type LoadOptions } from './load.js';
import type { DrainOutcome, ScenarioResult } from './report.js';
import type { ServerProcess } from './server-process.js';
import { countLiveRuns } from './weir-client.js';

/** The pause between a scenario's warm-up and its measured phase. */
const SETTLE_MS = 500;

/** One load scenario against one server. */
export interface Scenario {
  key: string;
  name: string;
  load: LoadOptions;
  server: ServerProcess;
  /** A `/sync` scenario: a 211/212 answer means the run was queued instead of answered. */
  isResponsive?: boolean;
}

/** Warm-up (discarded), then the measured phase with the server's and this process's CPU metered. */
export async function measure(
  scenario: Scenario,
  durations: { warmupSeconds: number; seconds: number },
): Promise<ScenarioResult> {
  checkNotInterrupted();
  log(`${scenario.name}: warm-up ${durations.warmupSeconds} s ...`);
  const warmupStartedAt = Date.now();
  const warmup = await runPhase(scenario.load, durations.warmupSeconds, `${scenario.name} warm-up`);
  // Autocannon leaves the warm-up's last requests in flight when it stops; the server answers them
  // first, so the measured connections do not start on top of them (for /sync, past its responsive
  // limit, which queues the excess: 212).
  await sleep(SETTLE_MS);
  checkNotInterrupted();
  log(`${scenario.name}: measuring ${durations.seconds} s ...`);
  const stopMeter = startCpuMeter(scenario.server.pid);
  const measured = await runPhase(scenario.load, durations.seconds, scenario.name);
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
    isResponsive: scenario.isResponsive === true,
    startedAt: warmupStartedAt,
    endedAt: Date.now(),
  };
}

/**
 * Polls the workflow's live runs until there are none, or `limitSeconds` pass (counted from `since`).
 * `seconds` in the outcome counts from `since`; `at` is when the drain was seen.
 */
export async function waitForDrain(options: {
  baseUrl: string;
  token: string;
  workflowId: string;
  since: number;
  limitSeconds: number;
  pollMs: number;
}): Promise<DrainOutcome> {
  const { baseUrl, token, workflowId, since, limitSeconds, pollMs } = options;
  const deadline = since + limitSeconds * 1000;
  try {
    for (;;) {
      checkNotInterrupted();
      const counts = await countLiveRuns(baseUrl, token, workflowId, 1);
      const now = Date.now();
      if (counts.Queued + counts.Processing + counts.Pending === 0)
        return { kind: 'drained', seconds: (now - since) / 1000, at: now };
      if (now >= deadline) {
        const cap = 50;
        return {
          kind: 'timeout',
          seconds: limitSeconds,
          stillLive: await countLiveRuns(baseUrl, token, workflowId, cap),
          cap,
        };
      }
      await sleep(pollMs);
    }
  } catch (error) {
    if (error instanceof BenchInterrupted) throw error;
    return { kind: 'unknown', reason: error instanceof Error ? error.message : String(error) };
  }
}

/** A workflow imported into the Weir under test, with what the load sends it and what `/sync` answered the probe. */
export interface PreparedCase {
  key: string;
  /** Shown in the table, e.g. `weir /sync, 5 tasks`. */
  name: string;
  workflowId: string;
  apiToken: string;
  syncUrl: string;
  runUrl: string;
  requestBody: string;
  /** The exact body `/sync` answered the probe with; the load counts any other body. */
  answer: string;
}

/** The load settings every scenario shares: 50 connections, pipelining 1, a 10 s request timeout. */
export function loadFor(
  settings: { connections: number; pipelining: number },
  target: { url: string; headers: Record<string, string>; body: string; expectBody?: string },
): LoadOptions {
  return { ...target, connections: settings.connections, pipelining: settings.pipelining, timeoutSeconds: 10 };
}

/** The `/sync` scenario of a prepared case on `server`. */
export function syncScenario(
  prepared: PreparedCase,
  server: ServerProcess,
  settings: { connections: number; pipelining: number },
): Scenario {
  return {
    key: prepared.key,
    name: prepared.name,
    server,
    isResponsive: true,
    load: loadFor(settings, {
      url: prepared.syncUrl,
      headers: { 'content-type': 'application/json', 'api-token': prepared.apiToken },
      body: prepared.requestBody,
      expectBody: prepared.answer,
    }),
  };
}
