import crypto from 'node:crypto';

/**
 * Seals secrets at rest (AES-256-GCM) and derives the other keys Weir needs from one secret key
 * (`WEIR_SECRET_KEY`), each under its own HKDF label so that no two uses share key material.
 */
export class SecretBox {
  private readonly sealKey: Buffer;
  /** Key for signing OAuth access tokens (HS256). */
  readonly tokenSigningKey: Buffer;
  /**
   * Names the key without revealing it (its own HKDF label: nothing sealed or signed can be derived from
   * it): nodes sharing a database compare it to find one started with another key.
   */
  readonly fingerprint: string;

  constructor(secretKey: string) {
    if (secretKey.length < 16) throw new Error('The secret key must be at least 16 characters.');
    const master = Buffer.from(secretKey, 'utf8');
    this.sealKey = derive(master, 'weir seal v1');
    this.tokenSigningKey = derive(master, 'weir oauth tokens v1');
    this.fingerprint = derive(master, 'weir key fingerprint v1').subarray(0, 16).toString('hex');
  }

  /** Encrypts `plain`; the result is `v1.<iv>.<tag>.<ciphertext>` in base64url. */
  seal(plain: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.sealKey, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join(
      '.',
    );
  }

  /** Decrypts what `seal` produced. Throws when the text was altered or sealed with another key. */
  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed value');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.sealKey, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}

function derive(master: Buffer, label: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', master, Buffer.alloc(0), label, 32));
}

/** A random secret of `bytes` bytes, base64url. */
export function randomSecret(bytes = 32): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

/**
 * SHA-256 digest: used to compare secrets in constant time whatever their lengths. One-shot
 * `crypto.hash` (Node >= 20.12): every trigger digests its credential, and a Hash object costs twice as much.
 */
export function digest(value: string): Buffer {
  return crypto.hash('sha256', value, 'buffer');
}

/** Compares a presented secret with the digest of the expected one, in constant time. */
export function matchesDigest(presented: string, expectedDigest: Buffer): boolean {
  return crypto.timingSafeEqual(digest(presented), expectedDigest);
}

/** A stored hash of a high-entropy secret (OAuth client secrets): `sha256:<hex>`. */
export function hashSecret(secret: string): string {
  return `sha256:${digest(secret).toString('hex')}`;
}

/** Checks a presented secret against `hashSecret`'s output, in constant time. */
export function verifySecret(presented: string, stored: string): boolean {
  const expected = Buffer.from(stored.replace(/^sha256:/, ''), 'hex');
  if (expected.length !== 32) return false;
  return crypto.timingSafeEqual(digest(presented), expected);
}
