import {
  createLocalJWKSet,
  decodeJwt,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { MongoServerError, type Db } from 'mongodb';
import { findClient, type ClientDocument } from './clients.ts';
import type { RemoteJwksCache } from './jwks-remote.ts';
import { OAuthError } from './oauth-error.ts';
import { oauthCollections } from './oauth-indexes.ts';

/** The only `client_assertion_type` we accept (RFC 7523 §2.2). */
export const jwtBearerAssertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** SMART Backend Services: the client signs with RS384 or ES384, nothing else. */
export const assertionAlgorithms = ['RS384', 'ES384'] as const;

export interface AssertionDeps {
  db: Db;
  jwks: RemoteJwksCache;
  /** The token endpoint URL: the assertion's required `aud`. */
  tokenUrl: string;
  maxLifetimeSec: number;
  clockToleranceSec: number;
  now: () => Date;
}

const duplicateKeyCode = 11000;

/**
 * Authenticates a client by its signed JWT (RFC 7523 §3; SMART Backend Services
 * https://hl7.org/fhir/smart-app-launch/backend-services.html#authorize): iss = sub = client_id,
 * aud = the token URL, exp at most 5 minutes ahead, a `jti` never seen before. Every failure is
 * the same `invalid_client`.
 */
export async function authenticateByAssertion(
  deps: AssertionDeps,
  assertion: string,
  claimedClientId: string | undefined,
): Promise<ClientDocument> {
  const clientId = readIssuer(assertion);
  if (!clientId || (claimedClientId !== undefined && claimedClientId !== clientId)) {
    throw clientAuthFailure();
  }
  const client = await findClient(deps.db, clientId);
  const keys = client && keySetOf(client, deps.jwks);
  if (!client || !keys) throw clientAuthFailure();

  const payload = await verifyAssertion(deps, assertion, clientId, keys);
  await claimJti(deps.db, clientId, payload);
  return client;
}

async function verifyAssertion(
  deps: AssertionDeps,
  assertion: string,
  clientId: string,
  keys: JWTVerifyGetKey,
): Promise<JWTPayload & { exp: number; jti: string }> {
  const now = deps.now();
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(assertion, keys, {
      issuer: clientId,
      subject: clientId,
      audience: deps.tokenUrl,
      algorithms: [...assertionAlgorithms],
      requiredClaims: ['exp', 'jti'],
      clockTolerance: deps.clockToleranceSec,
      currentDate: now,
    }));
  } catch {
    throw clientAuthFailure();
  }

  const { exp, jti } = payload;
  if (typeof exp !== 'number' || typeof jti !== 'string' || jti.length === 0) {
    throw clientAuthFailure();
  }
  const nowSec = now.getTime() / 1000;
  if (exp - nowSec > deps.maxLifetimeSec + deps.clockToleranceSec) throw clientAuthFailure();

  return { ...payload, exp, jti };
}

/**
 * Replay protection: the insert under a unique `_id` is the atomic step, so two processes
 * seeing the same assertion at once cannot both accept it. The record lives until the
 * assertion could no longer pass the `exp` check anyway.
 */
async function claimJti(db: Db, clientId: string, payload: { exp: number; jti: string }) {
  const record = {
    _id: `${clientId}\u0000${payload.jti}`,
    expireAt: new Date((payload.exp + 600) * 1000),
  };
  try {
    await db
      .collection<{ _id: string; expireAt: Date }>(oauthCollections.jtiSeen)
      .insertOne(record);
  } catch (error) {
    if (error instanceof MongoServerError && error.code === duplicateKeyCode) {
      throw clientAuthFailure();
    }
    throw error;
  }
}

function keySetOf(client: ClientDocument, cache: RemoteJwksCache): JWTVerifyGetKey | undefined {
  if (client.jwks) return createLocalJWKSet(client.jwks);
  if (client.jwksUri) return cache.keySetFor(client.jwksUri);
  return undefined;
}

/** The unverified `iss`, only to find whose keys to verify with; verification checks it again. */
function readIssuer(assertion: string): string | undefined {
  try {
    const { iss } = decodeJwt(assertion);
    return typeof iss === 'string' && iss.length > 0 ? iss : undefined;
  } catch {
    return undefined;
  }
}

export function clientAuthFailure(): OAuthError {
  return new OAuthError('invalid_client', 'client authentication failed');
}
