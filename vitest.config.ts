import { defineConfig } from 'vitest/config';

/**
 * Unit tests sit next to their code (src/**), integration tests in test/ (real HTTP, real store).
 * Each integration file starts its own Weir on a fresh data dir, so files run in parallel (2 cores here);
 * forks, not threads, because the store is a native addon and the crash test spawns children.
 */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'ui/src/**/*.test.ts'],
    // The end-to-end tests (test/e2e) drive the built web UI: build it when ui/dist is missing or stale.
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    // The JavaScript task's sandbox (isolated-vm) needs it on Node >= 20, as bin/weir.js does.
    execArgv: ['--no-node-snapshot'],
  },
});
