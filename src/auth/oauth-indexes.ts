import { MongoServerError, type Db } from 'mongodb';

/** Collections of the authorization server that hold short-lived records. */
export const oauthCollections = {
  /** Client-assertion `jti`s already used (RFC 7523 §3 replay protection). */
  jtiSeen: 'jti_seen',
  /** Access-token `jti`s revoked before their expiry (RFC 7009). */
  revokedTokens: 'revoked_tokens',
  /** One record per refresh token issued, keyed by the token's hash. */
  grants: 'grants',
  /** Refresh tokens already exchanged; inserting here is the atomic "use" step. */
  grantUses: 'grant_uses',
  /** Grant families ended by revocation or by refresh-token reuse. */
  grantRevocations: 'grant_revocations',
} as const;

/** Every collection whose records carry `expireAt`, their last useful instant. */
const expiringCollections = Object.values(oauthCollections);

const notImplementedCode = 238;

/**
 * Creates the indexes the authorization server relies on and reports whether the engine
 * removes expired records by itself. MongoDB does, through TTL indexes; FerretDB 1.x has none,
 * so there {@link purgeExpiredOAuthRecords} must run now and then. Correctness never depends on
 * removal: every reader checks expiry itself; removal only keeps the collections small.
 */
export async function ensureOAuthIndexes(db: Db): Promise<{ hasTtl: boolean }> {
  await db.collection(oauthCollections.grants).createIndex({ familyId: 1 });
  let hasTtl = true;
  for (const name of expiringCollections) {
    try {
      await db.collection(name).createIndex({ expireAt: 1 }, { expireAfterSeconds: 0 });
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === notImplementedCode)) throw error;
      hasTtl = false;
      await db.collection(name).createIndex({ expireAt: 1 });
    }
  }
  return { hasTtl };
}

/** Deletes records whose `expireAt` has passed (the engines without TTL indexes). */
export async function purgeExpiredOAuthRecords(db: Db, now: Date): Promise<void> {
  for (const name of expiringCollections) {
    await db.collection(name).deleteMany({ expireAt: { $lt: now } });
  }
}
