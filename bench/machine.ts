import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where the servers and the load generator run. */
export interface Pinning {
  /** CPU for the servers (`taskset -c`), or null when not pinned. */
  serverCpu: number | null;
  /** CPU this process (the load generator) was pinned to, or null. */
  loadCpu: number | null;
  /** One line for the report: what was done, or why not. */
  description: string;
}

/** Parses a `taskset -c` list such as `0-3,6,8-9`. */
export function parseCpuList(list: string): number[] {
  const cpus: number[] = [];
  for (const part of list.trim().split(',')) {
    const [from, to] = part.split('-').map((value) => Number(value.trim()));
    if (from === undefined || !Number.isInteger(from)) continue;
    const last = to !== undefined && Number.isInteger(to) ? to : from;
    for (let cpu = from; cpu <= last; cpu += 1) cpus.push(cpu);
  }
  return cpus;
}

/** The CPUs this process may run on, from `taskset -cp`; null when taskset is missing or fails. */
function allowedCpus(): number[] | null {
  const result = spawnSync('taskset', ['-cp', String(process.pid)], { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0) return null;
  const list = /affinity list:\s*(.+)$/m.exec(result.stdout)?.[1];
  return list === undefined ? null : parseCpuList(list);
}

/**
 * Pins the servers to the first allowed CPU and this process (all its threads) to the second, when
 * `taskset` works and at least two CPUs are allowed. `enabled: false` (BENCH_PIN=0) skips it.
 * Never throws: without taskset the benchmark runs unpinned and says so.
 */
export function setUpPinning(enabled: boolean): Pinning {
  const unpinned = (why: string): Pinning => ({ serverCpu: null, loadCpu: null, description: `not pinned (${why})` });
  if (!enabled) return unpinned('BENCH_PIN=0');
  if (process.platform !== 'linux') return unpinned(`taskset is Linux-only; platform ${process.platform}`);
  const cpus = allowedCpus();
  if (cpus === null) return unpinned('taskset not available');
  const [serverCpu, loadCpu] = cpus;
  if (serverCpu === undefined || loadCpu === undefined) return unpinned(`only ${cpus.length} CPU allowed`);
  const self = spawnSync('taskset', ['-a', '-cp', String(loadCpu), String(process.pid)], { encoding: 'utf8' });
  if (self.error !== undefined || self.status !== 0) {
    return unpinned(`taskset could not pin the load generator: ${(self.stderr || String(self.error)).trim()}`);
  }
  return {
    serverCpu,
    loadCpu,
    description: `taskset: servers on CPU ${serverCpu}, load generator on CPU ${loadCpu} (of ${cpus.join(',')})`,
  };
}

/** The filesystem type holding `dir` (from /proc/mounts), e.g. `ext4`, `overlay`, `tmpfs`; `unknown` elsewhere. */
export function filesystemOf(dir: string): string {
  let mounts: string;
  let real: string;
  try {
    mounts = fs.readFileSync('/proc/mounts', 'utf8');
    real = fs.realpathSync(dir);
  } catch {
    return 'unknown';
  }
  let best = { mountPoint: '', type: 'unknown' };
  for (const line of mounts.split('\n')) {
    const [, rawMountPoint, type] = line.split(' ');
    if (rawMountPoint === undefined || type === undefined) continue;
    const mountPoint = rawMountPoint.replace(/\\040/g, ' ');
    const contains =
      real === mountPoint || real.startsWith(mountPoint.endsWith(path.sep) ? mountPoint : mountPoint + path.sep);
    if (contains && mountPoint.length >= best.mountPoint.length) best = { mountPoint, type };
  }
  return best.type;
}

/** The cgroup v2 CPU quota (`/sys/fs/cgroup/cpu.max`) in CPUs, or null when unlimited or unknown. */
function cgroupCpuQuota(): number | null {
  try {
    const [quota, period] = fs.readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(/\s+/);
    const value = Number(quota) / Number(period);
    return Number.isFinite(value) && value > 0 ? value : null;
  } catch {
    return null;
  }
}

/** Lines describing the machine, for the report header. Call before `setUpPinning`. */
export function describeMachine(): string[] {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  const quota = cgroupCpuQuota();
  return [
    `cpus: ${os.availableParallelism()} available (${cpus.length} × ${model})` +
      (quota !== null ? `, cgroup quota ${quota.toFixed(2)} CPUs` : ''),
    `node: ${process.version} (${process.platform} ${process.arch}, kernel ${os.release()})`,
    `memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB total, load average ${os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  ];
}
