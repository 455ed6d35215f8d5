import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../src/secrets/secret-box.js';
import { ADMIN_CLIENT, startTestWeir, TEST_SECRET_KEY, type TestWeir } from './helpers/start-weir.js';

/** A token Weir signed is accepted only with an expiry: one without `exp` would never end. */

let weir: TestWeir;

beforeAll(async () => {
  weir = await startTestWeir();
});
afterAll(async () => {
  await weir?.close();
});

async function signed(claims: { exp?: number }): Promise<string> {
  const key = new SecretBox(TEST_SECRET_KEY).tokenSigningKey;
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({ scope: 'workflow:view' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('weir')
    .setSubject(ADMIN_CLIENT.clientId)
    .setJti('probe')
    .setIssuedAt(now);
  if (claims.exp !== undefined) jwt = jwt.setExpirationTime(claims.exp);
  return jwt.sign(key);
}

describe('bearer tokens', () => {
  it('are refused without exp, and accepted with one', async () => {
    const withoutExp = await weir.api('GET', '/workflows', undefined, { token: await signed({}) });
    expect(withoutExp.status, withoutExp.text).toBe(401);
    const withExp = await weir.api('GET', '/workflows', undefined, {
      token: await signed({ exp: Math.floor(Date.now() / 1000) + 60 }),
    });
    expect(withExp.status, withExp.text).toBe(200);
  });
});
