/**
 * Preloaded into every server the benchmark starts (`--import`), and imported by the bare server.
 *
 * The benchmark stops its servers itself, on success, on errors and on SIGINT. This guard covers the
 * one case it cannot: the benchmark process being killed outright (SIGKILL, OOM killer, a crashed
 * terminal). When `BENCH_PARENT_PID` is set and this process's parent changes (it was re-parented, so
 * the benchmark is gone), the server sends itself SIGTERM, then exits hard 5 s later if that did not
 * end it. Cost: one `getppid` per second, on an unref'd timer, so it never keeps a process alive.
 */
const CHECK_INTERVAL_MS = 1_000;
const HARD_EXIT_AFTER_MS = 5_000;

const parentPid = Number(process.env.BENCH_PARENT_PID);

if (Number.isInteger(parentPid) && parentPid > 0) {
  const timer = setInterval(() => {
    if (process.ppid === parentPid) return;
    clearInterval(timer);
    setTimeout(() => process.exit(1), HARD_EXIT_AFTER_MS).unref();
    process.kill(process.pid, 'SIGTERM');
  }, CHECK_INTERVAL_MS);
  timer.unref();
}

export {};
