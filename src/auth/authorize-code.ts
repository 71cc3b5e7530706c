import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { MongoServerError, type Db } from 'mongodb';

/** What the user approved, handed to the token endpoint when the code is redeemed. */
export interface AuthorizationGrant {
  clientId: string;
  redirectUri: string;
  userId: string;
  fhirUser?: string;
  /** Granted scopes: requested ∩ what the user's roles allow. */
  scopes: string[];
  patient?: string;
  encounter?: string;
  /** OpenID Connect nonce, echoed into the id_token. */
  nonce?: string;
  /** When the user authenticated (OpenID Connect `auth_time`). */
  authTime: Date;
}

interface CodeDocument extends AuthorizationGrant {
  /** SHA-256 of the code: the code itself is never stored. */
  _id: string;
  codeChallenge: string;
  expiresAt: Date;
}

export const authorizationCodesCollectionName = 'authorization_codes';
export const usedCodesCollectionName = 'codes_used';
/** RFC 6749 §4.1.2 recommends at most 10 minutes; a browser redirect needs seconds. */
const codeLifetimeMs = 60_000;
const duplicateKeyCode = 11000;
/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
const codeVerifierPattern = /^[A-Za-z0-9\-._~]{43,128}$/;

/** Stores a grant under a fresh single-use code and returns the code. */
export async function issueAuthorizationCode(
  db: Db,
  grant: AuthorizationGrant & { codeChallenge: string },
  now: Date = new Date(),
): Promise<string> {
  const code = randomBytes(32).toString('base64url');
  const doc: CodeDocument = {
    ...grant,
    _id: hashCode(code),
    expiresAt: new Date(now.getTime() + codeLifetimeMs),
  };
  await db.collection<CodeDocument>(authorizationCodesCollectionName).insertOne(doc);
  return code;
}

/** What the token endpoint received with `grant_type=authorization_code`. */
export interface CodeRedemption {
  code: string;
  codeVerifier: string;
  clientId: string;
  redirectUri: string;
  now?: Date;
}

/**
 * Redeems a code once: returns the grant, or `undefined` for an unknown, expired, already used
 * or mismatched code, all alike (the token endpoint answers `invalid_grant`). The first
 * attempt spends the code whatever its outcome, so a stolen code gives one guess at the
 * verifier. Spending is an insert under the code's hash into `codes_used`: of two processes
 * redeeming at once exactly one insert succeeds.
 * https://www.rfc-editor.org/rfc/rfc7636#section-4.6
 */
export async function redeemAuthorizationCode(
  db: Db,
  redemption: CodeRedemption,
): Promise<AuthorizationGrant | undefined> {
  const now = redemption.now ?? new Date();
  const id = hashCode(redemption.code);
  const doc = await db
    .collection<CodeDocument>(authorizationCodesCollectionName)
    .findOne({ _id: id });
  if (!doc || doc.expiresAt.getTime() <= now.getTime()) return undefined;
  if (!(await spendCode(db, id, now))) return undefined;

  const isBound =
    doc.clientId === redemption.clientId && doc.redirectUri === redemption.redirectUri;
  if (!isBound || !verifyPkce(redemption.codeVerifier, doc.codeChallenge)) return undefined;

  const { _id, codeChallenge, expiresAt, ...grant } = doc;
  return grant;
}

/** S256: BASE64URL(SHA256(verifier)) must equal the challenge (RFC 7636 §4.6). */
export function verifyPkce(codeVerifier: string, codeChallenge: string): boolean {
  if (!codeVerifierPattern.test(codeVerifier)) return false;
  const computed = Buffer.from(createHash('sha256').update(codeVerifier).digest('base64url'));
  const expected = Buffer.from(codeChallenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

async function spendCode(db: Db, id: string, now: Date): Promise<boolean> {
  try {
    await db
      .collection<{ _id: string; at: Date }>(usedCodesCollectionName)
      .insertOne({ _id: id, at: now });
    return true;
  } catch (error) {
    if (error instanceof MongoServerError && error.code === duplicateKeyCode) return false;
    throw error;
  }
}

function hashCode(code: string): string {
  return createHash('sha256').update(code).digest('base64url');
}
