import { log } from './lifecycle.js';
import { loadFor, measure, waitForDrain } from './measure.js';
import { describeDrain, formatInteger, type DrainOutcome, type ScenarioResult } from './report.js';
import type { BenchSettings } from './settings.js';
import { readRun, REQUEST_BODY } from './weir-client.js';
import type { PreparedWeir } from './weir-setup.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

/** What the `/run` scenario adds besides its row. */
export interface StandardOutcome {
  result: ScenarioResult;
  /** Runs accepted from the start of the `/run` load (warm-up and measured). */
  accepted: number;
  drain: DrainOutcome;
  /** Runs finished per second, from the start of the `/run` load until the backlog drained. */
  finishedPerSecond: number | null;
  lines: string[];
  problems: string[];
}

/** Row (5): `/run` under load, then the wait until every run it accepted has finished. */
export async function measureStandard(
  prepared: PreparedWeir,
  settings: BenchSettings,
  responsive: ScenarioResult[],
): Promise<StandardOutcome> {
  const { weir, oneTask, token, probeRunId } = prepared;
  const result = await measure(
    {
      key: 'run',
      name: '(5) weir /run, accepted',
      server: weir.server,
      load: loadFor(settings, {
        url: oneTask.runUrl,
        headers: { ...JSON_HEADERS, 'api-token': oneTask.apiToken },
        body: REQUEST_BODY,
      }),
    },
    settings,
  );
  const loadEndedAt = result.endedAt;
  // A /sync answered 211/212 was queued in standard mode: it is in the backlog too (and flagged).
  const queuedBySync = responsive.reduce((sum, r) => sum + countStatuses(r, [211, 212]), 0);
  const accepted = result.warmup.status2xx + result.measured.status2xx;
  log(`waiting for the standard-mode backlog (up to ${settings.drainSeconds} s) ...`);
  const drain = await waitForDrain({
    baseUrl: weir.baseUrl,
    token,
    workflowId: oneTask.workflowId,
    since: loadEndedAt,
    limitSeconds: settings.drainSeconds,
    pollMs: 250,
  });
  const finishedPerSecond = drain.kind === 'drained' ? accepted / ((drain.at - result.startedAt) / 1000) : null;
  const loadSeconds = (loadEndedAt - result.startedAt) / 1000;
  const lines = [
    `standard runs: ${formatInteger(accepted)} accepted during the ${loadSeconds.toFixed(1)} s of /run load ` +
      `(warm-up included); ${describeDrain(drain, 'the load ended')}` +
      (finishedPerSecond === null
        ? ''
        : `; ${formatInteger(finishedPerSecond)} runs finished/s from the start of the load until the last finished`),
  ];
  if (queuedBySync > 0) lines.push(`  (${queuedBySync} /sync requests were queued in standard mode, 211/212)`);
  const problems: string[] = [];
  if (drain.kind !== 'drained') problems.push(`/run backlog: ${describeDrain(drain, 'the load ended')}`);
  else {
    const probe = await readRun(weir.baseUrl, token, probeRunId).catch((error: unknown) => ({
      status: `unreadable (${error instanceof Error ? error.message : String(error)})`,
      result: null,
    }));
    const described = `probe run ${probeRunId}: ${probe.status}${probe.result !== null ? `, result ${probe.result}` : ''}`;
    lines.push(`  (${described})`);
    if (probe.status !== 'Finished' || (probe.result !== null && probe.result !== 'Success')) {
      problems.push(
        `${described}, expected Finished with result Success: standard runs may be failing, so the drain time means little`,
      );
    }
  }
  return { result, accepted, drain, finishedPerSecond, lines, problems };
}

function countStatuses(result: ScenarioResult, codes: number[]): number {
  return [result.warmup, result.measured].reduce(
    (sum, phase) => sum + codes.reduce((inner, code) => inner + (phase.statusCounts[String(code)] ?? 0), 0),
    0,
  );
}
