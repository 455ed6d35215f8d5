import autocannon from 'autocannon';

/** One load scenario: a POST with a fixed body, fired by autocannon from this process. */
export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  pipelining: number;
  /** When set, a response whose body differs is counted as a mismatch (autocannon `expectBody`). */
  expectBody?: string;
  /** Per-request timeout in seconds; a timeout counts as an error. */
  timeoutSeconds: number;
}

/** What one autocannon phase measured. Latencies in milliseconds. */
export interface LoadSummary {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses, whatever their status: req/s counts them all, latencies only the 2xx ones. */
  responses: number;
  status2xx: number;
  non2xx: number;
  /** Connection errors and timeouts (autocannon counts timeouts as errors too). */
  errors: number;
  timeouts: number;
  /**
   * Responses whose body was not `expectBody`, whatever their status (so a 500 is a mismatch too).
   * autocannon still counts them in `responses` and req/s.
   */
  mismatches: number;
  /** Responses by status code, e.g. `{"200": 51234}`. */
  statusCounts: Record<string, number>;
  durationSeconds: number;
}

const running = new Set<autocannon.Instance>();

/** Stops every autocannon run in progress (on SIGINT); their promises then resolve early. */
export function stopAllLoads(): void {
  for (const instance of running) instance.stop();
}

function summarize(result: autocannon.Result): LoadSummary {
  const statusCounts: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) {
    statusCounts[code] = stats.count ?? 0;
  }
  const responses = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
  return {
    requestsPerSecond: result.requests.mean,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    responses,
    status2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
    statusCounts,
    durationSeconds: result.duration,
  };
}

/** One autocannon phase of `seconds` against the scenario (warm-up and measurement are separate phases). */
export function runPhase(options: LoadOptions, seconds: number, title: string): Promise<LoadSummary> {
  return run(options, { duration: seconds }, title, null);
}

/**
 * Sends `amount` requests as fast as the connections allow (a backlog to fill), but stops after
 * `limitSeconds` whatever was sent: the summary's `status2xx` then falls short of `amount`.
 */
export function runAmount(
  options: LoadOptions,
  amount: number,
  limitSeconds: number,
  title: string,
): Promise<LoadSummary> {
  return run(options, { amount }, title, limitSeconds);
}

function run(
  options: LoadOptions,
  length: { duration: number } | { amount: number },
  title: string,
  limitSeconds: number | null,
): Promise<LoadSummary> {
  return new Promise((resolve, reject) => {
    let limit: NodeJS.Timeout | undefined;
    const instance = autocannon(
      {
        title,
        url: options.url,
        method: 'POST',
        headers: options.headers,
        body: options.body,
        connections: options.connections,
        pipelining: options.pipelining,
        ...length,
        timeout: options.timeoutSeconds,
        ...(options.expectBody !== undefined ? { expectBody: options.expectBody } : {}),
      },
      (error, result) => {
        clearTimeout(limit);
        running.delete(instance);
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else resolve(summarize(result));
      },
    );
    running.add(instance);
    if (limitSeconds !== null) limit = setTimeout(() => instance.stop(), limitSeconds * 1000);
  });
}
