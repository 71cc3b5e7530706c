import { MongoServerError, type Db } from 'mongodb';
import type { KeyRing } from '../crypto/key-ring.ts';
import { findMatchingTotpStep } from './totp.ts';
import { getUsers, type UserDocument } from './users.ts';

const usedStepsCollectionName = 'totp_used_steps';
const duplicateKeyCode = 11000;

/**
 * Checks a user's TOTP code and spends it: a code is accepted once (RFC 6238 §5.2). Two
 * guards: a step not newer than the last accepted one is refused, and the acceptance itself is
 * an insert under a unique `(user, step)` id, so two processes racing with the same code
 * cannot both win (FerretDB updates are not atomic; inserts under one `_id` are).
 */
export async function verifyUserTotp(
  db: Db,
  keyRing: KeyRing,
  user: UserDocument,
  code: string,
  nowMs: number,
): Promise<boolean> {
  if (!user.mfa.enrolled || !user.mfa.secret) return false;

  const secret = await keyRing.decrypt(user.mfa.secret, `user-totp/${user._id}`);
  const step = findMatchingTotpStep(secret, code, nowMs);
  if (step === undefined) return false;
  if (user.mfa.lastUsedStep !== undefined && step <= user.mfa.lastUsedStep) return false;

  try {
    await db
      .collection<{ _id: string; at: Date }>(usedStepsCollectionName)
      .insertOne({ _id: `${user._id}:${step}`, at: new Date(nowMs) });
  } catch (error) {
    if (error instanceof MongoServerError && error.code === duplicateKeyCode) return false;
    throw error;
  }
  await getUsers(db).updateOne({ _id: user._id }, { $max: { 'mfa.lastUsedStep': step } });
  return true;
}
