import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { verifySecret } from '../secrets/secret-box.js';

/**
 * OAuth client secrets at rest: scrypt with a per-secret random salt, so a copy of the database
 * does not give the secrets back by a fast dictionary or table attack. The bootstrap secret is
 * chosen by a person (16 characters at least) and may be guessable; generated ones are not.
 *
 * Cost: N = 2^14, r = 8, p = 1 (16 MiB; ~40 ms on one core of this machine's class, more under
 * load). scrypt runs on libuv's thread pool, so a burst of token requests does not hold the
 * event loop. Rows from before (unsalted `sha256:<hex>`) are still verified (`needsUpgrade` says
 * so); they become scrypt when their secret is set again (the bootstrap client's at every start).
 */

const scrypt = promisify(crypto.scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;

const COST = { N: 2 ** 14, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
const PREFIX = 'scrypt';

/** `scrypt$<N>$<r>$<p>$<salt>$<hash>`, base64url. */
export async function hashClientSecret(secret: string): Promise<string> {
  const salt = crypto.randomBytes(SALT_BYTES);
  const key = await scrypt(secret, salt, KEY_BYTES, { ...COST, maxmem: 64 * 1024 * 1024 });
  return [PREFIX, COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Whether `presented` matches `stored` (either format), and whether `stored` should be rewritten. */
export async function verifyClientSecret(
  presented: string,
  stored: string,
): Promise<{ isValid: boolean; needsUpgrade: boolean }> {
  if (stored.startsWith('sha256:')) return { isValid: verifySecret(presented, stored), needsUpgrade: true };
  const [prefix, n, r, p, saltText, keyText] = stored.split('$');
  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  if (prefix !== PREFIX || !saltText || !keyText || ![cost.N, cost.r, cost.p].every(Number.isInteger)) {
    return { isValid: false, needsUpgrade: false };
  }
  const expected = Buffer.from(keyText, 'base64url');
  const key = await scrypt(presented, Buffer.from(saltText, 'base64url'), expected.length, {
    ...cost,
    maxmem: 256 * 1024 * 1024,
  });
  return {
    isValid: key.length === expected.length && crypto.timingSafeEqual(key, expected),
    needsUpgrade: cost.N < COST.N,
  };
}
