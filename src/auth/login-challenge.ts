import { createHash, randomBytes } from 'node:crypto';
import type { Collection, Db } from 'mongodb';

/**
 * The state between a correct password and a correct TOTP code: not a session, only the right
 * to try a code for one user for a few minutes. Stored hashed like sessions.
 */
interface ChallengeDocument {
  _id: string;
  userId: string;
  createdAt: Date;
}

const challengesCollectionName = 'login_challenges';
export const challengeLifetimeMs = 5 * 60_000;

function getChallenges(db: Db): Collection<ChallengeDocument> {
  return db.collection<ChallengeDocument>(challengesCollectionName);
}

/** Starts an MFA challenge; returns the cookie value. */
export async function startLoginChallenge(db: Db, userId: string, now: Date): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await getChallenges(db).insertOne({ _id: hashToken(token), userId, createdAt: now });
  return token;
}

/** The user id the challenge is for, or `undefined` when unknown or expired. */
export async function findLoginChallenge(
  db: Db,
  token: string | undefined,
  now: Date,
): Promise<string | undefined> {
  if (!token) return undefined;
  const doc = await getChallenges(db).findOne({ _id: hashToken(token) });
  if (!doc || now.getTime() - doc.createdAt.getTime() > challengeLifetimeMs) return undefined;
  return doc.userId;
}

/** Ends a challenge; true only for the one caller that removed it. */
export async function endLoginChallenge(db: Db, token: string): Promise<boolean> {
  const result = await getChallenges(db).deleteOne({ _id: hashToken(token) });
  return result.deletedCount === 1;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
