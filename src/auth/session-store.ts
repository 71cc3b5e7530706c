import { createHash, randomBytes } from 'node:crypto';
import type { Collection, Db } from 'mongodb';

/** Why a browser session ended; recorded on the session and in the security event. */
export const sessionEndReasons = {
  logout: 'logout',
  idleTimeout: 'idle-timeout',
  singleSessionPolicy: 'single-session-policy',
  userDisabled: 'user-disabled',
} as const;
export type SessionEndReason = (typeof sessionEndReasons)[keyof typeof sessionEndReasons];

/**
 * A browser session at the authorization server. `_id` is the SHA-256 of the cookie value, so
 * whoever reads the collection cannot replay a live cookie.
 */
export interface SessionDocument {
  _id: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  endedAt?: Date;
  endReason?: SessionEndReason;
}

export interface SessionPolicy {
  /** HIPAA.md "Automatic logoff": 15 minutes by default. */
  idleTimeoutMs: number;
  /** End the user's other sessions at login (HIPAA.md "Unique user identification"). */
  isSingleSession: boolean;
}

export const defaultSessionPolicy: SessionPolicy = {
  idleTimeoutMs: 15 * 60_000,
  isSingleSession: false,
};

/** What {@link SessionStore.resume} found behind a cookie. */
export type SessionLookup =
  | { status: 'active'; session: SessionDocument }
  | { status: 'timed-out'; session: SessionDocument }
  | { status: 'none' };

export const sessionsCollectionName = 'sessions';

/**
 * Browser sessions in the database, so any process can serve any request. The idle timeout is
 * enforced here on every use, not by the page's script: the script only warns.
 */
export class SessionStore {
  readonly #sessions: Collection<SessionDocument>;
  readonly #policy: SessionPolicy;

  constructor(db: Db, policy: SessionPolicy = defaultSessionPolicy) {
    this.#sessions = db.collection<SessionDocument>(sessionsCollectionName);
    this.#policy = policy;
  }

  get policy(): SessionPolicy {
    return this.#policy;
  }

  async ensureIndexes(): Promise<void> {
    await this.#sessions.createIndex({ userId: 1 }, { name: 'user' });
  }

  /**
   * Starts a session and returns its cookie value. Under the single-session policy the user's
   * other open sessions end; `endedOthers` counts them.
   */
  async start(userId: string, now: Date): Promise<{ token: string; endedOthers: number }> {
    const token = randomBytes(32).toString('base64url');
    const id = hashToken(token);
    await this.#sessions.insertOne({ _id: id, userId, createdAt: now, lastSeenAt: now });

    let endedOthers = 0;
    if (this.#policy.isSingleSession) {
      const others = { userId, _id: { $ne: id }, endedAt: { $exists: false } };
      const result = await this.#sessions.updateMany(others, {
        $set: { endedAt: now, endReason: sessionEndReasons.singleSessionPolicy },
      });
      endedOthers = result.modifiedCount;
    }
    return { token, endedOthers };
  }

  /**
   * Finds the session behind a cookie and marks it used. A session idle for longer than the
   * timeout is ended here, with reason `idle-timeout`, and reported as timed out once.
   */
  async resume(token: string | undefined, now: Date): Promise<SessionLookup> {
    if (!token) return { status: 'none' };
    const session = await this.#sessions.findOne({ _id: hashToken(token) });
    if (!session || session.endedAt) return { status: 'none' };

    if (now.getTime() - session.lastSeenAt.getTime() > this.#policy.idleTimeoutMs) {
      await this.end(token, sessionEndReasons.idleTimeout, now);
      return { status: 'timed-out', session };
    }
    await this.#sessions.updateOne({ _id: session._id }, { $set: { lastSeenAt: now } });
    return { status: 'active', session: { ...session, lastSeenAt: now } };
  }

  /** Ends one session; returns false when it was already over. */
  async end(token: string, reason: SessionEndReason, now: Date): Promise<boolean> {
    const result = await this.#sessions.updateOne(
      { _id: hashToken(token), endedAt: { $exists: false } },
      { $set: { endedAt: now, endReason: reason } },
    );
    return result.modifiedCount > 0;
  }

  /** Ends every open session of a user (disable-user); returns how many. */
  async endAllForUser(userId: string, reason: SessionEndReason, now: Date): Promise<number> {
    const result = await this.#sessions.updateMany(
      { userId, endedAt: { $exists: false } },
      { $set: { endedAt: now, endReason: reason } },
    );
    return result.modifiedCount;
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
