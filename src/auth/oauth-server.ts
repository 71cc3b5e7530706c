import type { Db } from 'mongodb';
import type { KeyRing } from '../crypto/key-ring.ts';
import type { AssertionDeps } from './clients-assertion.ts';
import type { ExternalIssuer } from './external-idp.ts';
import { RemoteJwksCache } from './jwks-remote.ts';
import { ensureOAuthIndexes, purgeExpiredOAuthRecords } from './oauth-indexes.ts';
import { describeEndpoints, type OAuthSettings } from './oauth-settings.ts';
import { SigningKeys } from './signing-keys.ts';
import { RefreshGrants } from './token-grants.ts';
import { TokenIssuer } from './token-issuer.ts';
import { TokenRevocations } from './token-revocations.ts';
import { TokenVerifier } from './token-verify.ts';

/** Token events for the audit layer (HIPAA.md "Audit controls"); our own ids only. */
export const tokenEventTypes = {
  issued: 'token-issued',
  refreshed: 'token-refreshed',
  refreshReused: 'refresh-token-reused',
  revoked: 'token-revoked',
  clientAuthFailed: 'client-authentication-failed',
} as const;
export type TokenEventType = (typeof tokenEventTypes)[keyof typeof tokenEventTypes];

export interface TokenEvent {
  type: TokenEventType;
  at: Date;
  clientId?: string;
  userId?: string;
  grantType?: string;
}

export interface AuthorizationServerDeps {
  db: Db;
  keyRing: KeyRing;
  settings: OAuthSettings;
  /** What a set of roles allows (S1's `allowedScopesFor` bound to the role file). */
  allowedScopesFor: (roles: readonly string[]) => string[];
  /** Scopes advertised in the SMART configuration. */
  scopesSupported?: readonly string[];
  externalIssuers?: readonly ExternalIssuer[];
  /** Awaited: when the audit layer cannot record the event, the request fails. */
  recordTokenEvent?: (event: TokenEvent) => Promise<void>;
  jwks?: RemoteJwksCache;
  now?: () => Date;
}

/** The parts of the built-in authorization server, shared by its routes and the auth hook. */
export interface AuthorizationServer {
  db: Db;
  settings: OAuthSettings;
  signingKeys: SigningKeys;
  issuer: TokenIssuer;
  grants: RefreshGrants;
  revocations: TokenRevocations;
  verifier: TokenVerifier;
  assertion: AssertionDeps;
  allowedScopesFor: (roles: readonly string[]) => string[];
  scopesSupported: readonly string[];
  recordTokenEvent: (event: TokenEvent) => Promise<void>;
  /** Removes expired records where the engine has no TTL indexes; rate-limited, cheap to call. */
  purgeIfDue: () => Promise<void>;
  now: () => Date;
}

/** Where TTL indexes are missing, purge expired OAuth records at most this often. */
const purgeIntervalMs = 10 * 60_000;

/**
 * Opens the authorization server: indexes, signing keys (created on first start), issuer,
 * refresh grants, revocations, verifier. Throws (start-up stops) when keys cannot be loaded.
 */
export async function openAuthorizationServer(
  deps: AuthorizationServerDeps,
): Promise<AuthorizationServer> {
  const { db, keyRing, settings } = deps;
  const now = deps.now ?? (() => new Date());
  const jwks = deps.jwks ?? new RemoteJwksCache();
  const { hasTtl } = await ensureOAuthIndexes(db);

  const signingKeys = await SigningKeys.open(db, keyRing, {
    now,
    retirementGraceMs: retirementGraceMs(settings),
  });
  const revocations = new TokenRevocations(db);
  const verifier = new TokenVerifier({
    settings,
    signingKeys,
    revocations,
    externalIssuers: deps.externalIssuers ?? [],
    jwks,
    clockToleranceSec: settings.clockToleranceSec,
    now,
    allowedScopesFor: deps.allowedScopesFor,
  });
  return {
    db,
    settings,
    signingKeys,
    issuer: new TokenIssuer(signingKeys, settings, now),
    grants: new RefreshGrants(db, settings, now),
    revocations,
    verifier,
    assertion: {
      db,
      jwks,
      tokenUrl: describeEndpoints(settings).token,
      maxLifetimeSec: settings.maxAssertionLifetimeSec,
      clockToleranceSec: settings.clockToleranceSec,
      now,
    },
    allowedScopesFor: deps.allowedScopesFor,
    scopesSupported: deps.scopesSupported ?? [],
    recordTokenEvent: deps.recordTokenEvent ?? (async () => undefined),
    purgeIfDue: hasTtl ? async () => undefined : createPurger(db, now),
    now,
  };
}

/**
 * Rotates the signing key (admin CLI `rotate-keys`): a new key signs from now on; the old one
 * stays published and verifying until its tokens have expired. Returns the new `kid`.
 */
export async function rotateSigningKey(
  db: Db,
  keyRing: KeyRing,
  settings: OAuthSettings,
): Promise<string> {
  const keys = await SigningKeys.open(db, keyRing, {
    retirementGraceMs: retirementGraceMs(settings),
  });
  return keys.rotate();
}

function createPurger(db: Db, now: () => Date): () => Promise<void> {
  let lastPurgeMs = -Infinity;
  return async () => {
    const nowMs = now().getTime();
    if (nowMs - lastPurgeMs < purgeIntervalMs) return;
    lastPurgeMs = nowMs;
    await purgeExpiredOAuthRecords(db, new Date(nowMs));
  };
}

/** A retired key stays published as long as a token it signed can still be valid. */
function retirementGraceMs(settings: OAuthSettings): number {
  return settings.accessTokenTtlMs + 2 * settings.clockToleranceSec * 1000;
}
