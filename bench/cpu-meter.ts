import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * CPU use of the load generator (this process, every thread) and of a server process over one
 * measured phase, as a percentage of one CPU. It answers "who was the bottleneck?": a server near
 * 100 % was saturated; a load generator near 100 % may have capped the figure itself.
 * Server figures come from /proc/<pid>/stat (Linux); elsewhere they are null.
 */

export interface CpuUse {
  /** This process, % of one CPU. */
  loadGeneratorPercent: number;
  /** The server process, % of one CPU; null when it cannot be read. */
  serverPercent: number | null;
  /** The server process's CPU time over the phase (every thread), in seconds; null when it cannot be read. */
  serverSeconds: number | null;
  /** Wall-clock length of the phase, in seconds. */
  wallSeconds: number;
}

let clockTicks: number | null = null;

function ticksPerSecond(): number {
  if (clockTicks === null) {
    const result = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const value = Number(result.stdout?.trim());
    clockTicks = result.status === 0 && Number.isInteger(value) && value > 0 ? value : 100;
  }
  return clockTicks;
}

/** utime + stime of a process in seconds (every thread), or null. */
export function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / ticksPerSecond() : null;
  } catch {
    return null;
  }
}

/** Starts measuring; call the returned function at the end of the phase. */
export function startCpuMeter(serverPid: number | undefined): () => CpuUse {
  const startedAt = process.hrtime.bigint();
  const selfStart = process.cpuUsage();
  const serverStart = processCpuSeconds(serverPid);
  return () => {
    const wallSeconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
    const self = process.cpuUsage(selfStart);
    const serverEnd = processCpuSeconds(serverPid);
    const percent = (seconds: number): number => (wallSeconds > 0 ? (100 * seconds) / wallSeconds : 0);
    const serverSeconds = serverStart !== null && serverEnd !== null ? serverEnd - serverStart : null;
    return {
      loadGeneratorPercent: percent((self.user + self.system) / 1e6),
      serverPercent: serverSeconds === null ? null : percent(serverSeconds),
      serverSeconds,
      wallSeconds,
    };
  };
}
