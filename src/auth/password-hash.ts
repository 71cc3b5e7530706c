import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * scrypt cost parameters, written into every stored hash so they can be raised later without
 * invalidating existing passwords. N=2^15, r=8, p=1 costs 32 MiB and ~90 ms on the reference
 * machine: memory-hard (HIPAA.md "Security model") and still cheap enough per login.
 */
const defaultCost = { N: 2 ** 15, r: 8, p: 1 } as const;
const saltBytes = 16;
const keyBytes = 32;
const scheme = 'scrypt';

/** Shortest password accepted (NIST SP 800-63B allows 8; Ward asks for 12). */
export const minPasswordLength = 12;
const maxPasswordLength = 256;

/** Why a password was refused, as our own wording; never echoes the password. */
export function findPasswordProblem(password: string): string | undefined {
  if (password.length < minPasswordLength) {
    return `the password must have at least ${minPasswordLength} characters`;
  }
  if (password.length > maxPasswordLength) {
    return `the password must have at most ${maxPasswordLength} characters`;
  }
  return undefined;
}

/**
 * Hashes a password with scrypt and a fresh per-user salt. The result is self-describing:
 * `scrypt$<N>$<r>$<p>$<salt>$<hash>` (base64url).
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(saltBytes);
  const hash = await deriveKey(password, salt, defaultCost);
  const { N, r, p } = defaultCost;
  return [scheme, N, r, p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

/** Checks a password against a stored hash in constant time; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseStoredHash(stored);
  if (!parsed) return false;

  const candidate = await deriveKey(password, parsed.salt, parsed.cost);
  return candidate.length === parsed.hash.length && timingSafeEqual(candidate, parsed.hash);
}

/**
 * Spends the same work as a real verification, for unknown accounts, so the answer time does
 * not reveal which e-mail addresses have an account.
 */
export async function spendVerificationTime(password: string): Promise<void> {
  await deriveKey(password, Buffer.alloc(saltBytes), defaultCost);
}

interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

function deriveKey(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  // maxmem must exceed 128 * N * r bytes, or node refuses the parameters.
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, keyBytes, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function parseStoredHash(
  stored: string,
): { cost: ScryptCost; salt: Buffer; hash: Buffer } | undefined {
  const [name, n, r, p, salt, hash, ...rest] = stored.split('$');
  if (name !== scheme || rest.length > 0 || !salt || !hash) return undefined;

  const cost = { N: Number(n), r: Number(r), p: Number(p) };
  // Bounds keep a tampered document from making us allocate more than 256 MiB (128 * N * r).
  const isSane =
    Number.isInteger(Math.log2(cost.N)) &&
    cost.N >= 2 ** 10 &&
    cost.N <= 2 ** 17 &&
    Number.isInteger(cost.r) &&
    cost.r >= 1 &&
    cost.r <= 16 &&
    Number.isInteger(cost.p) &&
    cost.p >= 1 &&
    cost.p <= 16;
  if (!isSane) return undefined;

  return { cost, salt: Buffer.from(salt, 'base64url'), hash: Buffer.from(hash, 'base64url') };
}
