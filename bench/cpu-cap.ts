import fs from 'node:fs';
import path from 'node:path';

/**
 * Caps a process's CPU with a cgroup of its own, so that on a small machine each Weir node gets a
 * fixed share (e.g. a quarter of a core) and the database and the load generator are not the limit.
 * cgroup v1 (`/sys/fs/cgroup/cpu/<name>/cpu.cfs_quota_us`) or v2 (`/sys/fs/cgroup/<name>/cpu.max`);
 * needs root. Every cgroup made here is removed by `removeAll` (its processes must have exited).
 */

const PERIOD_US = 100_000;
const V1_ROOT = '/sys/fs/cgroup/cpu';
const V2_ROOT = '/sys/fs/cgroup';

type Flavour = { version: 1; root: string } | { version: 2; root: string };

function detect(): Flavour | null {
  if (fs.existsSync(path.join(V1_ROOT, 'cpu.cfs_quota_us'))) return { version: 1, root: V1_ROOT };
  if (fs.existsSync(path.join(V2_ROOT, 'cgroup.controllers'))) return { version: 2, root: V2_ROOT };
  return null;
}

const made: string[] = [];

/** Why CPU caps cannot be set here, or null when they can. */
export function cpuCapUnavailable(): string | null {
  const flavour = detect();
  if (flavour === null) return 'no cgroup cpu controller found (neither v1 /sys/fs/cgroup/cpu nor v2)';
  try {
    fs.accessSync(flavour.root, fs.constants.W_OK);
  } catch {
    return `cannot write ${flavour.root} (run as root)`;
  }
  return null;
}

/** Puts `pid` in a new cgroup `name` limited to `cpus` CPUs (e.g. 0.25). */
export function capCpu(name: string, pid: number, cpus: number): void {
  const flavour = detect();
  if (flavour === null) throw new Error('no cgroup cpu controller');
  const dir = path.join(flavour.root, name);
  fs.mkdirSync(dir, { recursive: true });
  made.push(dir);
  const quota = Math.max(1_000, Math.round(cpus * PERIOD_US));
  if (flavour.version === 1) {
    fs.writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
    fs.writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(quota));
  } else {
    fs.writeFileSync(path.join(dir, 'cpu.max'), `${quota} ${PERIOD_US}`);
  }
  fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
}

/** Removes the cgroups made by `capCpu` (their processes must have exited); ignores what is gone. */
export function removeAllCpuCaps(): void {
  for (const dir of made.splice(0).reverse()) {
    try {
      fs.rmdirSync(dir);
    } catch {
      // Still busy or already gone: the kernel keeps an empty cgroup harmlessly.
    }
  }
}
