import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Where the benchmarks find PostgreSQL: `BENCH_POSTGRES_URL`, default the local server's `postgres` database. */
export const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Why PostgreSQL cannot be used at `adminUrl` (a sentence), or null when it answers within 3 s. */
export async function postgresUnreachable(adminUrl: string): Promise<string | null> {
  const probe = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3_000 });
  try {
    await probe.connect();
    await probe.query('SELECT 1');
    return null;
  } catch (error) {
    return `cannot reach PostgreSQL at ${adminUrl} (BENCH_POSTGRES_URL): ${String(error)}`;
  } finally {
    await probe.end().catch(() => undefined);
  }
}

/** A fresh database next to `adminUrl`'s, and how to drop it. */
export async function createDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `weir_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const dropper = new pg.Client({ connectionString: adminUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${dropper.escapeIdentifier(name)} WITH (FORCE)`);
      await dropper.end();
    },
  };
}
