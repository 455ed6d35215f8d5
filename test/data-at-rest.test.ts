import Database from 'better-sqlite3';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../src/secrets/secret-box.js';
import { ADMIN_CLIENT, fetchToken, startTestWeir, type TestWeir } from './helpers/start-weir.js';

/**
 * What an attacker with a shell account (not Weir's user) or a copy of the database gets: the
 * data dir is 0700 and its files 0600; OAuth client secrets are salted scrypt hashes, so the
 * database does not give them back; unsalted rows from before still verify.
 */

let root: string;
let dataDir: string;
let weir: TestWeir;

const modeOf = async (file: string): Promise<number> => (await stat(file)).mode & 0o777;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'weir-at-rest-'));
  dataDir = path.join(root, 'nested', 'data');
  // No secret key given: Weir generates secret.key into the data dir it creates.
  weir = await startTestWeir({ dataDir, secretKey: null });
});
afterAll(async () => {
  await weir?.close();
  await rm(root, { recursive: true, force: true });
});

describe('data at rest', () => {
  it('creates the data dir 0700 and the key and database files 0600', async () => {
    // The bootstrap client was written at start: the WAL and shared-memory files exist.
    expect(await modeOf(dataDir)).toBe(0o700);
    expect(await modeOf(path.join(root, 'nested'))).toBe(0o700);
    for (const file of ['secret.key', 'weir.db', 'weir.db-wal', 'weir.db-shm']) {
      expect(await modeOf(path.join(dataDir, file)), file).toBe(0o600);
    }
  });

  it('stores client secrets as salted scrypt hashes, and still accepts a legacy unsalted row', async () => {
    const db = new Database(path.join(dataDir, 'weir.db'));
    try {
      const row = db
        .prepare('SELECT secret_hash FROM oauth_clients WHERE client_id = ?')
        .get(ADMIN_CLIENT.clientId) as {
        secret_hash: string;
      };
      expect(row.secret_hash).toMatch(/^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
      expect(row.secret_hash).not.toContain(hashSecret(ADMIN_CLIENT.clientSecret).slice(7));

      db.prepare('UPDATE oauth_clients SET secret_hash = ? WHERE client_id = ?').run(
        hashSecret(ADMIN_CLIENT.clientSecret),
        ADMIN_CLIENT.clientId,
      );
    } finally {
      db.close();
    }
    expect(await fetchToken(weir.url)).toMatch(/^ey/);
    await expect(fetchToken(weir.url, { clientSecret: 'wrong-secret-0123456' })).rejects.toThrow();
  });
});
