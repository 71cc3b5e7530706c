import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { encodeBase32 } from './totp-base32.ts';

/**
 * TOTP as RFC 6238 defines it with the parameters every authenticator app defaults to:
 * HMAC-SHA-1, 6 digits, 30-second steps from the Unix epoch.
 * https://www.rfc-editor.org/rfc/rfc6238
 */
export const totpDefaults = { digits: 6, stepSeconds: 30, algorithm: 'sha1' } as const;

/** Accepted clock drift in steps on either side (RFC 6238 §5.2 recommends at most one). */
const driftSteps = 1;
/** 160 bits: the key length RFC 4226 §4 recommends for HMAC-SHA-1. */
const secretBytes = 20;

/** A fresh random TOTP secret. */
export function generateTotpSecret(): Buffer {
  return randomBytes(secretBytes);
}

/** The time step a moment falls in (RFC 6238 §4.2, T0 = 0). */
export function toTotpStep(atMs: number): number {
  return Math.floor(atMs / 1000 / totpDefaults.stepSeconds);
}

/**
 * The one-time password for a step: HOTP (RFC 4226 §5.3) over the step counter. `digits` and
 * `algorithm` are parameters only so the RFC's 8-digit SHA-256/512 test vectors can be checked.
 */
export function computeTotp(
  secret: Buffer,
  step: number,
  digits: number = totpDefaults.digits,
  algorithm: 'sha1' | 'sha256' | 'sha512' = totpDefaults.algorithm,
): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac(algorithm, secret).update(counter).digest();

  // Dynamic truncation, RFC 4226 §5.3.
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/**
 * The step whose code matches, searching the current step and one on either side, or
 * `undefined`. The caller must still refuse a step already used (RFC 6238 §5.2: a verifier
 * must not accept the second attempt of the same OTP).
 */
export function findMatchingTotpStep(
  secret: Buffer,
  code: string,
  atMs: number,
): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;

  const current = toTotpStep(atMs);
  let match: number | undefined;
  // Every candidate is compared, so the time taken does not depend on which step matched.
  for (let step = current - driftSteps; step <= current + driftSteps; step += 1) {
    const expected = Buffer.from(computeTotp(secret, step));
    if (timingSafeEqual(expected, Buffer.from(code))) match ??= step;
  }
  return match;
}

/**
 * The enrolment URI authenticator apps read from a QR code (Key Uri Format, Google
 * Authenticator wiki). `account` should be our own user id, not an e-mail: the URI ends up in
 * terminals and screenshots.
 */
export function buildOtpauthUri(secret: Buffer, issuer: string, account: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const params = new URLSearchParams({
    secret: encodeBase32(secret),
    issuer,
    algorithm: 'SHA1',
    digits: String(totpDefaults.digits),
    period: String(totpDefaults.stepSeconds),
  });
  return `otpauth://totp/${label}?${params.toString()}`;
}
