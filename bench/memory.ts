import fs from 'node:fs';

/**
 * Resident memory of a server process, from `/proc/<pid>/status` (Linux; null elsewhere or once the
 * process is gone). RSS is what the operating system charges the process: heap, code, native
 * buffers, SQLite's page cache, thread stacks.
 */
export function residentMegabytes(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kilobytes = Number(/^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1]);
    return Number.isFinite(kilobytes) && kilobytes > 0 ? kilobytes / 1024 : null;
  } catch {
    return null;
  }
}

/** One RSS reading: seconds since sampling started, megabytes. */
export interface RssSample {
  seconds: number;
  megabytes: number;
}

/** Samples a process's RSS every `intervalMs` until stopped; returns the samples in time order. */
export function startRssSampler(pid: number | undefined, intervalMs: number): () => RssSample[] {
  const startedAt = Date.now();
  const samples: RssSample[] = [];
  const take = (): void => {
    const megabytes = residentMegabytes(pid);
    if (megabytes !== null) samples.push({ seconds: (Date.now() - startedAt) / 1000, megabytes });
  };
  take();
  const timer = setInterval(take, intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    take();
    return samples;
  };
}

/** The sample nearest to `fraction` (0 to 1) of the sampled span. */
export function sampleAt(samples: RssSample[], fraction: number): RssSample | undefined {
  const last = samples[samples.length - 1];
  if (last === undefined) return undefined;
  const target = last.seconds * fraction;
  return samples.reduce((best, sample) =>
    Math.abs(sample.seconds - target) < Math.abs(best.seconds - target) ? sample : best,
  );
}
