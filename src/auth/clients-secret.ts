import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Client secrets are 256-bit random strings we mint, so the KDF guards a leaked `clients`
 * collection rather than weak passwords; still scrypt with a per-secret salt (memory-hard).
 */
const params = { N: 2 ** 14, r: 8, p: 1 } as const;
const hashBytes = 32;
const saltBytes = 16;

/** A fresh client secret (base64url, 43 characters). Shown once, stored only as its hash. */
export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** `scrypt$N$r$p$salt$hash`, all numbers decimal, salt and hash base64url. */
export async function hashClientSecret(secret: string): Promise<string> {
  const salt = randomBytes(saltBytes);
  const hash = await deriveKey(secret, salt, params);
  const { N, r, p } = params;
  return ['scrypt', N, r, p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Constant-time check of a presented secret against a stored hash; malformed hashes fail. */
export async function verifyClientSecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;

  const options = { N: Number(n), r: Number(r), p: Number(p) };
  if (![options.N, options.r, options.p].every(Number.isSafeInteger)) return false;

  const expected = Buffer.from(hash, 'base64url');
  const actual = await deriveKey(secret, Buffer.from(salt, 'base64url'), options, expected.length);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function deriveKey(
  secret: string,
  salt: Buffer,
  options: ScryptOptions & { N: number; r: number },
  length = hashBytes,
): Promise<Buffer> {
  const maxmem = 128 * options.N * options.r * 2;
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, length, { ...options, maxmem }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}
