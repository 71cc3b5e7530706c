import { MongoServerError, type Collection, type Db } from 'mongodb';
import { oauthCollections } from './oauth-indexes.ts';

interface RevokedToken {
  _id: string;
  /** The token's own expiry: after it, the TTL index drops the record (the token is dead anyway). */
  expireAt: Date;
}

const duplicateKeyCode = 11000;

/** Access tokens revoked before they expire (RFC 7009), checked on every verification. */
export class TokenRevocations {
  readonly #collection: Collection<RevokedToken>;

  constructor(db: Db) {
    this.#collection = db.collection<RevokedToken>(oauthCollections.revokedTokens);
  }

  /** Revokes the token with this `jti`; revoking twice is fine. */
  async revoke(jti: string, expiresAt: Date): Promise<void> {
    try {
      await this.#collection.insertOne({ _id: jti, expireAt: expiresAt });
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === duplicateKeyCode)) throw error;
    }
  }

  async isRevoked(jti: string): Promise<boolean> {
    return (await this.#collection.countDocuments({ _id: jti }, { limit: 1 })) > 0;
  }
}
