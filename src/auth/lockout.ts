import { randomBytes } from 'node:crypto';
import type { Collection, Db } from 'mongodb';

/** Lock-out thresholds; HIPAA.md leaves the numbers to us, the README states the defaults. */
export interface LockoutPolicy {
  /** Failures within `windowMs` that lock the account. */
  maxFailures: number;
  windowMs: number;
  /** How long the account stays locked after the failure that locked it. */
  lockMs: number;
}

export const defaultLockoutPolicy: LockoutPolicy = {
  maxFailures: 5,
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
};

interface FailureDocument {
  _id: string;
  userId: string;
  at: Date;
}

export const loginFailuresCollectionName = 'login_failures';

/**
 * Counts failed logins (wrong password or wrong TOTP code) per user in the database, so a
 * lock-out holds across every process behind the load balancer. Each failure is its own
 * insert and the decision is a query over them: no read-modify-write of a counter, which
 * FerretDB could not do atomically.
 */
export class LoginLockout {
  readonly #failures: Collection<FailureDocument>;
  readonly #policy: LockoutPolicy;

  constructor(db: Db, policy: LockoutPolicy = defaultLockoutPolicy) {
    this.#failures = db.collection<FailureDocument>(loginFailuresCollectionName);
    this.#policy = policy;
  }

  /** Index for the look-up; idempotent, call at start-up. */
  async ensureIndexes(): Promise<void> {
    await this.#failures.createIndex({ userId: 1, at: 1 }, { name: 'user_time' });
  }

  /**
   * Records one failure. Returns true when this failure is the one that locks the account, so
   * the caller can report the lock-out once.
   */
  async recordFailure(userId: string, now: Date): Promise<boolean> {
    const wasLocked = (await this.findLockedUntil(userId, now)) !== undefined;
    await this.#failures.insertOne({ _id: randomBytes(12).toString('base64url'), userId, at: now });
    return !wasLocked && (await this.findLockedUntil(userId, now)) !== undefined;
  }

  /** When the account unlocks, or `undefined` when it is not locked now. */
  async findLockedUntil(userId: string, now: Date): Promise<Date | undefined> {
    const { maxFailures, windowMs, lockMs } = this.#policy;
    const since = new Date(now.getTime() - windowMs - lockMs);
    const times = (
      await this.#failures
        .find({ userId, at: { $gt: since, $lte: now } }, { projection: { at: 1 } })
        .sort({ at: 1 })
        .toArray()
    ).map((doc) => doc.at.getTime());

    // A lock starts at the failure that completes `maxFailures` within one window.
    let lockedUntil: number | undefined;
    for (let last = maxFailures - 1; last < times.length; last += 1) {
      const first = times[last - maxFailures + 1]!;
      if (times[last]! - first <= windowMs) lockedUntil = times[last]! + lockMs;
    }
    return lockedUntil !== undefined && lockedUntil > now.getTime()
      ? new Date(lockedUntil)
      : undefined;
  }
}
