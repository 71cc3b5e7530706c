import { randomBytes } from 'node:crypto';
import type { Collection, Db } from 'mongodb';
import type { AuthorizeRequest } from './authorize-request.ts';

/**
 * An authorization request between the app's redirect and the code: stored server-side so the
 * parameters cannot be altered on the way through the login pages. Its id travels in the pages'
 * URLs and forms.
 */
export interface PendingAuthorization extends AuthorizeRequest {
  _id: string;
  createdAt: Date;
  /** Patient chosen on the picker or taken from the launch context. */
  patient?: string;
  encounter?: string;
}

export const pendingAuthorizationsCollectionName = 'authorize_requests';
/** Long enough to sign in with a password and an authenticator app. */
const pendingLifetimeMs = 30 * 60_000;
const idPattern = /^[A-Za-z0-9_-]{32}$/;

function getPending(db: Db): Collection<PendingAuthorization> {
  return db.collection<PendingAuthorization>(pendingAuthorizationsCollectionName);
}

export async function savePendingAuthorization(
  db: Db,
  request: AuthorizeRequest,
  now: Date,
): Promise<string> {
  const id = randomBytes(24).toString('base64url');
  await getPending(db).insertOne({ ...request, _id: id, createdAt: now });
  return id;
}

/** The pending request, or `undefined` when unknown, malformed or too old. */
export async function findPendingAuthorization(
  db: Db,
  id: unknown,
  now: Date,
): Promise<PendingAuthorization | undefined> {
  if (typeof id !== 'string' || !idPattern.test(id)) return undefined;
  const pending = await getPending(db).findOne({ _id: id });
  if (!pending || now.getTime() - pending.createdAt.getTime() > pendingLifetimeMs) return undefined;
  return pending;
}

export async function setPendingPatient(
  db: Db,
  id: string,
  context: { patient: string; encounter?: string },
): Promise<void> {
  await getPending(db).updateOne({ _id: id }, { $set: context });
}

/** Removes the request once it produced a code or an error, so it cannot be replayed. */
export async function deletePendingAuthorization(db: Db, id: string): Promise<boolean> {
  const result = await getPending(db).deleteOne({ _id: id });
  return result.deletedCount === 1;
}
