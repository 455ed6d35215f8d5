import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { POSTGRES_ADMIN_URL, postgresSkipReason } from '../helpers/postgres.js';

const skipReason = await postgresSkipReason();

/** `WEIR_DATABASE_URL=postgres://.../weir npm start` on a server without that database, on several nodes at once. */
describe.skipIf(skipReason !== null)(
  `a PostgreSQL database that does not exist yet${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    it('is created by the nodes starting on it, once, whichever gets there first', async () => {
      const name = `weir_new_${randomBytes(5).toString('hex')}`;
      const url = new URL(POSTGRES_ADMIN_URL);
      url.pathname = `/${name}`;
      const stores = await Promise.all([1, 2, 3].map(() => openStore(url.toString(), { role: 'server', poolSize: 2 })));
      try {
        // The three share one schema: what one writes, the others read.
        await stores[0]?.nodes.register({
          id: 'node-created',
          host: 'h',
          pid: 1,
          version: 'v',
          startedAt: 1,
          heartbeatAt: 1,
        });
        for (const store of stores) expect((await store.nodes.list()).map((node) => node.id)).toEqual(['node-created']);
      } finally {
        for (const store of stores) await store.close();
        const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
        await admin.end();
      }
    });
  },
);
