import { randomBytes } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { MongoServerError, type Db } from 'mongodb';
import type { KeyRing } from '../crypto/key-ring.ts';
import { clientTypes, createClient } from './clients.ts';
import { enrolMfa } from './users-admin.ts';
import { createUser, getUsers } from './users.ts';

export const initialCredentialsFileName = 'initial-credentials.json';
const bootstrapCollectionName = 'bootstrap';
const firstStartId = 'first-start';
const duplicateKeyCode = 11000;
const initialAdminEmail = 'admin@ward.invalid';
/** The system client may read everything, as a backend pulling data for an HIE does. */
const initialClientScopes = ['system/*.rs'];

/**
 * On first start with no users: creates one admin (random password, enrolled TOTP) and one
 * SMART Backend Services client (an ES384 key pair, public half registered), and writes their
 * credentials to `<dataDir>/initial-credentials.json` with mode 0600, never to the log.
 * Processes starting together race on one insert under a fixed `_id`; only the winner creates
 * anything. Returns the file path when this process created the credentials.
 */
export async function bootstrapIfEmpty(
  db: Db,
  keyRing: KeyRing,
  dataDir: string,
  now: Date = new Date(),
): Promise<string | undefined> {
  if ((await getUsers(db).countDocuments({}, { limit: 1 })) > 0) return undefined;
  if (!(await claimFirstStart(db, now))) return undefined;

  const password = randomBytes(18).toString('base64url');
  const adminId = await createUser(
    db,
    keyRing,
    { email: initialAdminEmail, password, roles: ['admin'] },
    now,
  );
  const otpauthUri = await enrolMfa(db, keyRing, adminId);

  const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
  const kid = randomBytes(9).toString('base64url');
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES384', use: 'sig' };
  const { client } = await createClient(
    db,
    {
      name: 'Ward initial system client',
      type: clientTypes.backend,
      allowedScopes: initialClientScopes,
      jwks: { keys: [publicJwk] },
    },
    () => now,
  );

  const credentials = {
    admin: { userId: adminId, email: initialAdminEmail, password, otpauthUri },
    systemClient: {
      clientId: client._id,
      scopes: initialClientScopes,
      privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES384' },
    },
    note: 'Enrol the admin TOTP URI in an authenticator app, sign in, then delete this file.',
  };
  return writeCredentialsFile(dataDir, credentials);
}

async function claimFirstStart(db: Db, now: Date): Promise<boolean> {
  try {
    await db
      .collection<{ _id: string; at: Date }>(bootstrapCollectionName)
      .insertOne({ _id: firstStartId, at: now });
    return true;
  } catch (error) {
    if (error instanceof MongoServerError && error.code === duplicateKeyCode) return false;
    throw error;
  }
}

/** Created exclusively with mode 0600: an existing file is never overwritten or widened. */
async function writeCredentialsFile(dataDir: string, credentials: object): Promise<string> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, initialCredentialsFileName);
  const file = await open(path, 'wx', 0o600);
  try {
    await file.writeFile(`${JSON.stringify(credentials, null, 2)}\n`);
  } finally {
    await file.close();
  }
  return path;
}
