import type { Db } from 'mongodb';
import type { KeyRing } from '../crypto/key-ring.ts';
import { FhirError } from '../fhir/fhir-error.ts';
import { buildOtpauthUri, generateTotpSecret } from './totp.ts';
import { getUsers, isRoleName } from './users.ts';

/** Issuer name shown in authenticator apps. */
const totpIssuer = 'Ward';

/**
 * Disables a user: no new login succeeds. Existing sessions are ended by the caller through
 * the session store (the CLI does both).
 */
export async function disableUser(db: Db, userId: string): Promise<void> {
  await updateExisting(db, userId, { $set: { disabled: true } });
}

/** Adds a role; a no-op when the user already holds it. */
export async function assignRole(db: Db, userId: string, role: string): Promise<void> {
  if (!isRoleName(role)) throw new FhirError('invalidInput', 'role names are lower-case letters');
  await updateExisting(db, userId, { $addToSet: { roles: role } });
}

/**
 * Gives the user a new TOTP secret, stored encrypted, and returns the `otpauth://` URI to hand
 * to the user (once; it is the secret). Replaces any earlier secret.
 */
export async function enrolMfa(db: Db, keyRing: KeyRing, userId: string): Promise<string> {
  const secret = generateTotpSecret();
  const sealed = keyRing.encrypt(secret, `user-totp/${userId}`);
  await updateExisting(db, userId, {
    $set: { mfa: { enrolled: true, secret: sealed } },
  });
  return buildOtpauthUri(secret, totpIssuer, userId);
}

/** Removes the TOTP secret; the user cannot log in until enrolled again. */
export async function resetMfa(db: Db, userId: string): Promise<void> {
  await updateExisting(db, userId, { $set: { mfa: { enrolled: false } } });
}

async function updateExisting(db: Db, userId: string, update: object): Promise<void> {
  const result = await getUsers(db).updateOne({ _id: userId }, update);
  if (result.matchedCount === 0) throw new FhirError('notFound', 'no such user');
}
