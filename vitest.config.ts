import { defineConfig, type ViteUserConfig } from 'vitest/config';
import { POSTGRES_ADMIN_URL, postgresSkipReason } from './test/helpers/postgres.js';

/**
 * Unit tests sit next to their code (src/**), integration tests in test/ (real HTTP, real store).
 * Each integration file starts its own Weir on a fresh data dir, so files run in parallel (2 cores here);
 * forks, not threads, because the store is a native addon and the crash test spawns children.
 *
 * Two projects: `sqlite` runs everything; `postgres` runs the integration suite again with each Weir on
 * a PostgreSQL database of its own (WEIR_TEST_STORE=postgres), but for the files about SQLite itself
 * (its data dir, its file, one process) and those that only drive a browser or the CLI. Without a
 * reachable PostgreSQL the `postgres` project is left out, saying why; `.ci/run` sets
 * WEIR_REQUIRE_POSTGRES=1, which makes that an error.
 */
const SQLITE_ONLY = [
  'test/crash.test.ts',
  'test/server-lock.test.ts',
  'test/secrets.test.ts',
  'test/retention.test.ts',
  'test/versions.test.ts',
  'test/cli-*.test.ts',
  'test/e2e/**',
  'test/store-contract/**',
  'test/data-at-rest.test.ts',
  // Builds its long history in the SQLite file itself, and checks SQLite's history thread.
  'test/history-search.test.ts',
  // Not about storage: once is enough.
  'test/no-freeze.test.ts',
  'test/egress.test.ts',
  'test/jwt-claims.test.ts',
  'test/openapi.test.ts',
  'test/transport.test.ts',
  'test/tasks-javascript.test.ts',
  // A `weir serve` child on SQLite; what they check (the log, the exporter) is the same on any store.
  'test/log-secrets.test.ts',
  'test/tracing-otlp.test.ts',
  'test/task-library-parity.test.ts',
  'test/http-edge.test.ts',
  'test/rate-limits.test.ts',
  // Picks its store per case (SQLite files, a PostgreSQL behind a relay it cuts).
  'test/storage-failures.test.ts',
  'test/shutdown.test.ts',
  'test/build.test.ts',
  'test/fuzz.test.ts',
];

export default defineConfig(async (): Promise<ViteUserConfig> => {
  const postgresMissing = await postgresSkipReason();
  if (postgresMissing !== null) {
    if (process.env.WEIR_REQUIRE_POSTGRES === '1') throw new Error(`the postgres test project ${postgresMissing}`);
    process.stderr.write(`[skipped: the integration suite on PostgreSQL ${postgresMissing}]\n`);
  }
  return {
    test: {
      testTimeout: 30_000,
      hookTimeout: 60_000,
      pool: 'forks' as const,
      fileParallelism: true,
      maxWorkers: 2,
      // The JavaScript task's sandbox (isolated-vm) needs it on Node >= 20, as bin/weir.js does.
      execArgv: ['--no-node-snapshot'],
      projects: [
        {
          extends: true as const,
          test: {
            name: 'sqlite',
            include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'ui/src/**/*.test.ts'],
            // The end-to-end tests (test/e2e) drive the built web UI: build it when ui/dist is missing or stale.
            globalSetup: ['test/e2e/global-setup.ts'],
          },
        },
        ...(postgresMissing === null
          ? [
              {
                extends: true as const,
                test: {
                  name: 'postgres',
                  include: ['test/*.test.ts'],
                  exclude: SQLITE_ONLY,
                  env: { WEIR_TEST_STORE: 'postgres', WEIR_TEST_POSTGRES_URL: POSTGRES_ADMIN_URL },
                },
              },
            ]
          : []),
      ],
    },
  };
});
