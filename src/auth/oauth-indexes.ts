import type { Db } from 'mongodb';

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

/**
 * Creates the indexes the authorization server relies on: TTL indexes so expired records go
 * away by themselves (`expireAt` is always the record's last useful instant), and the family
 * index used to end a grant family.
 */
export async function ensureOAuthIndexes(db: Db): Promise<void> {
  const ttl = { expireAfterSeconds: 0 };
  await Promise.all([
    db.collection(oauthCollections.jtiSeen).createIndex({ expireAt: 1 }, ttl),
    db.collection(oauthCollections.revokedTokens).createIndex({ expireAt: 1 }, ttl),
    db.collection(oauthCollections.grants).createIndex({ expireAt: 1 }, ttl),
    db.collection(oauthCollections.grants).createIndex({ familyId: 1 }),
    db.collection(oauthCollections.grantUses).createIndex({ expireAt: 1 }, ttl),
    db.collection(oauthCollections.grantRevocations).createIndex({ expireAt: 1 }, ttl),
  ]);
}
