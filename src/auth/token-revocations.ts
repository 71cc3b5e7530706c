import { MongoServerError, type Collection, type Db } from 'mongodb';
import { oauthCollections } from './oauth-indexes.ts';

interface RevokedToken {
  _id: string;
  /** The token's own expiry: after it, the TTL index drops the record (the token is dead anyway). */
  expireAt: Date;
}

const duplicateKeyCode = 11000;

/**
 * How long a "not revoked" answer is reused. A revocation made in this process applies at once;
 * one made in another process applies here within this time. Without it every request pays a
 * database round trip before it is authorized.
 */
const notRevokedCacheMs = 2000;
const maxCachedTokens = 10_000;

/** Access tokens revoked before they expire (RFC 7009), checked on every verification. */
export class TokenRevocations {
  readonly #collection: Collection<RevokedToken>;
  /** jti → when its "not revoked" answer was read. */
  readonly #notRevoked = new Map<string, number>();

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.#collection = db.collection<RevokedToken>(oauthCollections.revokedTokens);
  }

  /** Revokes the token with this `jti`; revoking twice is fine. */
  async revoke(jti: string, expiresAt: Date): Promise<void> {
    this.#notRevoked.delete(jti);
    try {
      await this.#collection.insertOne({ _id: jti, expireAt: expiresAt });
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === duplicateKeyCode)) throw error;
    }
  }

  async isRevoked(jti: string): Promise<boolean> {
    const checkedAt = this.#notRevoked.get(jti);
    if (checkedAt !== undefined && this.now() - checkedAt < notRevokedCacheMs) return false;

    const isRevoked = (await this.#collection.countDocuments({ _id: jti }, { limit: 1 })) > 0;
    if (isRevoked) return true;
    if (this.#notRevoked.size >= maxCachedTokens) this.#notRevoked.clear();
    this.#notRevoked.set(jti, this.now());
    return false;
  }
}
