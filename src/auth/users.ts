import { randomBytes } from 'node:crypto';
import { MongoServerError, type Collection, type Db } from 'mongodb';
import type { KeyRing } from '../crypto/key-ring.ts';
import type { EncryptedBlob } from '../crypto/encrypted-blob.ts';
import { FhirError } from '../fhir/fhir-error.ts';
import { findPasswordProblem, hashPassword } from './password-hash.ts';

/**
 * A human user of Ward (HIPAA.md "Unique user identification"): one immutable random id, no
 * shared accounts. The e-mail is stored encrypted with a keyed blind index for look-up and
 * uniqueness, because a patient user's e-mail address is PHI.
 */
export interface UserDocument {
  _id: string;
  /** Keyed HMAC of the lower-cased e-mail; unique. */
  emailIndex: string;
  email: EncryptedBlob;
  npi?: string;
  employeeId?: string;
  roles: string[];
  /** `Patient/<id>` for patient users, `Practitioner/<id>` for clinicians. */
  fhirUser?: string;
  passwordHash: string;
  mfa: {
    enrolled: boolean;
    /** The TOTP secret, encrypted with aad `user-totp/<id>`. */
    secret?: EncryptedBlob;
    /** Highest TOTP step accepted so far: older and equal steps are replays. */
    lastUsedStep?: number;
  };
  disabled: boolean;
  createdAt: Date;
  lastLoginAt?: Date;
}

export const usersCollectionName = 'users';
const emailIndexPurpose = 'user-email';
const duplicateKeyCode = 11000;

const emailPattern = /^[^\s@]{1,64}@[^\s@]{1,255}$/;
const rolePattern = /^[a-z][a-z0-9-]{0,63}$/;
const fhirUserPattern =
  /^(Patient|Practitioner|PractitionerRole|RelatedPerson|Person)\/[A-Za-z0-9\-.]{1,64}$/;

/** What an administrator supplies for a new user. */
export interface NewUser {
  email: string;
  password: string;
  roles: string[];
  fhirUser?: string;
  npi?: string;
  employeeId?: string;
}

/** The users collection, typed. */
export function getUsers(db: Db): Collection<UserDocument> {
  return db.collection<UserDocument>(usersCollectionName);
}

/** Creates the unique e-mail index; idempotent, call at start-up. */
export async function ensureUserIndexes(db: Db): Promise<void> {
  await getUsers(db).createIndex({ emailIndex: 1 }, { unique: true, name: 'email_unique' });
}

/** Lower-cases and trims, so look-ups and uniqueness ignore case. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The blind index an e-mail is found under. */
export function toEmailIndex(keyRing: KeyRing, email: string): string {
  return keyRing.blindIndex(emailIndexPurpose, normalizeEmail(email));
}

/**
 * Creates a user and returns its new id. MFA starts unenrolled: the user cannot finish a login
 * until an administrator enrols a TOTP secret.
 *
 * @throws FhirError `invalidInput` for a bad e-mail, role, fhirUser or password; `conflict` when
 * the e-mail is taken.
 */
export async function createUser(
  db: Db,
  keyRing: KeyRing,
  input: NewUser,
  now: Date = new Date(),
): Promise<string> {
  checkNewUser(input);
  const id = randomBytes(12).toString('base64url');
  const email = normalizeEmail(input.email);
  const user: UserDocument = {
    _id: id,
    emailIndex: toEmailIndex(keyRing, email),
    email: keyRing.encrypt(Buffer.from(email, 'utf8'), `user-email/${id}`),
    ...(input.npi ? { npi: input.npi } : {}),
    ...(input.employeeId ? { employeeId: input.employeeId } : {}),
    roles: [...new Set(input.roles)],
    ...(input.fhirUser ? { fhirUser: input.fhirUser } : {}),
    passwordHash: await hashPassword(input.password),
    mfa: { enrolled: false },
    disabled: false,
    createdAt: now,
  };

  try {
    await getUsers(db).insertOne(user);
  } catch (error) {
    if (error instanceof MongoServerError && error.code === duplicateKeyCode) {
      throw new FhirError('conflict', 'a user with this e-mail already exists');
    }
    throw error;
  }
  return id;
}

/** The user with this e-mail, disabled or not. */
export async function findUserByEmail(
  db: Db,
  keyRing: KeyRing,
  email: string,
): Promise<UserDocument | undefined> {
  return (await getUsers(db).findOne({ emailIndex: toEmailIndex(keyRing, email) })) ?? undefined;
}

export async function findUserById(db: Db, id: string): Promise<UserDocument | undefined> {
  return (await getUsers(db).findOne({ _id: id })) ?? undefined;
}

/** Checks a role name's shape; which roles exist is the role policy's business. */
export function isRoleName(role: string): boolean {
  return rolePattern.test(role);
}

function checkNewUser(input: NewUser): void {
  if (!emailPattern.test(normalizeEmail(input.email))) {
    throw new FhirError('invalidInput', 'the e-mail address is malformed');
  }
  if (input.roles.length === 0 || !input.roles.every(isRoleName)) {
    throw new FhirError('invalidInput', 'give one or more roles in lower-case letters');
  }
  if (input.fhirUser !== undefined && !fhirUserPattern.test(input.fhirUser)) {
    throw new FhirError(
      'invalidInput',
      'fhirUser must look like Patient/<id> or Practitioner/<id>',
    );
  }
  if (input.roles.includes('patient') && !input.fhirUser?.startsWith('Patient/')) {
    throw new FhirError('invalidInput', 'a patient user needs fhirUser Patient/<id>');
  }
  const problem = findPasswordProblem(input.password);
  if (problem) throw new FhirError('invalidInput', problem);
}
