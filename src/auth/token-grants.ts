import { createHash, randomBytes } from 'node:crypto';
import { MongoServerError, type Collection, type Db } from 'mongodb';
import { OAuthError } from './oauth-error.ts';
import { oauthCollections } from './oauth-indexes.ts';
import type { OAuthSettings } from './oauth-settings.ts';
import { isScopeSubset } from './token-scopes.ts';

/** What a refresh token stands for: the context its access tokens are issued with. */
export interface GrantContext {
  clientId: string;
  /** The user who approved the grant; refresh tokens are only issued to a user's app. */
  userId: string;
  scopes: string[];
  patient?: string;
  encounter?: string;
  fhirUser?: string;
  sessionId?: string;
  /** `offline_access` (long-lived) rather than `online_access`. */
  isOffline: boolean;
}

interface GrantDocument extends GrantContext {
  /** SHA-256 of the refresh token: the token itself is never stored. */
  _id: string;
  /** Every token obtained by rotating from one first token shares its family id. */
  familyId: string;
  createdAt: Date;
  idleExpiresAt: Date;
  familyExpiresAt: Date;
  /** For the TTL index: kept until the family ends so reuse of an old token is still noticed. */
  expireAt: Date;
}

interface FamilyRecord {
  _id: string;
  familyId?: string;
  at: Date;
  expireAt: Date;
}

export type RefreshOutcome =
  | { kind: 'rotated'; context: GrantContext; refreshToken: string; familyId: string }
  | { kind: 'reused'; familyId: string; clientId: string };

const duplicateKeyCode = 11000;

/**
 * Refresh tokens, stored hashed in `grants`, rotated on every use. Using a token twice means it
 * was copied: the whole family is revoked (OAuth 2.0 Security BCP §4.14.2,
 * https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2). Marking a token used is an insert under
 * its hash, the atomic step that holds on FerretDB too.
 */
export class RefreshGrants {
  readonly #grants: Collection<GrantDocument>;
  readonly #uses: Collection<FamilyRecord>;
  readonly #revocations: Collection<FamilyRecord>;
  readonly #settings: OAuthSettings;
  readonly #now: () => Date;

  constructor(db: Db, settings: OAuthSettings, now: () => Date = () => new Date()) {
    this.#grants = db.collection<GrantDocument>(oauthCollections.grants);
    this.#uses = db.collection<FamilyRecord>(oauthCollections.grantUses);
    this.#revocations = db.collection<FamilyRecord>(oauthCollections.grantRevocations);
    this.#settings = settings;
    this.#now = now;
  }

  /** Starts a new grant family and returns its first refresh token. */
  async start(context: GrantContext): Promise<string> {
    const now = this.#now();
    const absoluteMs = context.isOffline
      ? this.#settings.offlineRefreshAbsoluteMs
      : this.#settings.onlineRefreshAbsoluteMs;
    const familyExpiresAt = new Date(now.getTime() + absoluteMs);
    return this.#insert(context, randomBytes(16).toString('base64url'), familyExpiresAt);
  }

  /**
   * Exchanges a refresh token for a new one with the same (or narrower) scopes. Throws
   * `invalid_grant` for an unknown, expired, revoked or foreign token and `invalid_scope` when
   * more is asked than was granted; a reused token ends its family and reports `reused`.
   */
  async refresh(
    token: string,
    clientId: string,
    requestedScopes: readonly string[] | undefined,
  ): Promise<RefreshOutcome> {
    const grant = await this.#findLive(token, clientId);
    if (!grant) throw invalidGrant();

    const scopes = requestedScopes ?? grant.scopes;
    if (!isScopeSubset(scopes, grant.scopes)) {
      throw new OAuthError('invalid_scope', 'the requested scope exceeds the original grant');
    }

    if (!(await this.#claim(this.#uses, grant._id, grant))) {
      await this.revokeFamily(grant.familyId, grant.familyExpiresAt);
      return { kind: 'reused', familyId: grant.familyId, clientId: grant.clientId };
    }

    const { _id, familyId, createdAt, idleExpiresAt, familyExpiresAt, expireAt, ...context } =
      grant;
    const next = { ...context, scopes: [...scopes] };
    const refreshToken = await this.#insert(next, familyId, familyExpiresAt);
    return { kind: 'rotated', context: next, refreshToken, familyId };
  }

  /** The live grant of a token this client holds, for introspection; else `undefined`. */
  async describe(
    token: string,
    clientId: string,
  ): Promise<(GrantContext & { expiresAt: Date }) | undefined> {
    const grant = await this.#findLive(token, clientId);
    if (!grant || (await this.#uses.countDocuments({ _id: grant._id }, { limit: 1 })) > 0) {
      return undefined;
    }
    const expiresAt = earlier(grant.idleExpiresAt, grant.familyExpiresAt);
    const { _id, familyId, createdAt, idleExpiresAt, familyExpiresAt, expireAt, ...context } =
      grant;
    return { ...context, expiresAt };
  }

  /** Revokes the family of a token this client holds (RFC 7009). Returns whether one was found. */
  async revokeByToken(token: string, clientId: string): Promise<boolean> {
    const grant = await this.#grants.findOne({ _id: hashToken(token) });
    if (!grant || grant.clientId !== clientId) return false;
    await this.revokeFamily(grant.familyId, grant.familyExpiresAt);
    return true;
  }

  async revokeFamily(familyId: string, familyExpiresAt: Date): Promise<void> {
    await this.#claim(this.#revocations, familyId, { familyExpiresAt });
  }

  /** A stored, unexpired, unrevoked grant of this client; `undefined` for anything else. */
  async #findLive(token: string, clientId: string): Promise<GrantDocument | undefined> {
    const grant = await this.#grants.findOne({ _id: hashToken(token) });
    if (!grant || grant.clientId !== clientId) return undefined;

    const nowMs = this.#now().getTime();
    if (earlier(grant.idleExpiresAt, grant.familyExpiresAt).getTime() <= nowMs) return undefined;

    const isRevoked = (await this.#revocations.countDocuments({ _id: grant.familyId })) > 0;
    return isRevoked ? undefined : grant;
  }

  async #insert(context: GrantContext, familyId: string, familyExpiresAt: Date): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = this.#now();
    const idleMs = context.isOffline
      ? this.#settings.offlineRefreshIdleMs
      : this.#settings.onlineRefreshIdleMs;
    await this.#grants.insertOne({
      ...context,
      _id: hashToken(token),
      familyId,
      createdAt: now,
      idleExpiresAt: new Date(now.getTime() + idleMs),
      familyExpiresAt,
      expireAt: familyExpiresAt,
    });
    return token;
  }

  /** Inserts a record under a unique id; `false` when it was already there. */
  async #claim(
    collection: Collection<FamilyRecord>,
    id: string,
    grant: { familyId?: string; familyExpiresAt: Date },
  ): Promise<boolean> {
    const record = {
      _id: id,
      ...(grant.familyId ? { familyId: grant.familyId } : {}),
      at: this.#now(),
      expireAt: grant.familyExpiresAt,
    };
    try {
      await collection.insertOne(record);
      return true;
    } catch (error) {
      if (error instanceof MongoServerError && error.code === duplicateKeyCode) return false;
      throw error;
    }
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function earlier(a: Date, b: Date): Date {
  return a.getTime() <= b.getTime() ? a : b;
}

function invalidGrant(): OAuthError {
  return new OAuthError('invalid_grant', 'the refresh token is not valid');
}
