import { randomUUID } from 'node:crypto';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from 'mongodb';
import type { KeyRing } from '../crypto/key-ring.ts';
import { FhirError } from '../fhir/fhir-error.ts';
import type { AuthContext } from './auth-context.ts';
import { invokeBreakGlass, type BreakGlassGrant, type BreakGlassPolicy } from './break-glass.ts';
import type { AuthorizationServer } from './oauth-server.ts';

/** Insert-only: one document per grant, never updated, so the record of who broke the glass stays. */
export const breakGlassGrantsCollection = 'break_glass_grants';

/** An emergency-access attempt for the audit layer: our own ids, never the stated reason. */
export interface BreakGlassEvent {
  outcome: 'granted' | 'refused';
  status: number;
  at: Date;
  userId?: string;
  clientId?: string;
  address: string;
}

/** Awaited: when the attempt cannot be audited the request fails (DESIGN.md "Fail closed"). */
export type RecordBreakGlassEvent = (event: BreakGlassEvent) => Promise<void>;

export interface BreakGlassRouteDeps {
  db: Db;
  keyRing: KeyRing;
  server: Pick<AuthorizationServer, 'verifier' | 'issuer' | 'settings' | 'now'>;
  policy: BreakGlassPolicy;
  recordEvent?: RecordBreakGlassEvent;
}

/**
 * `POST /auth/break-glass` (HIPAA §164.312(a)(2)(ii) emergency access): a signed-in clinician
 * whose role may break the glass sends a `reason` (form or JSON) with her bearer token and gets
 * a new access token carrying the grant for the configured time. The grant is stored, the attempt
 * audited as a Security Alert (granted or refused) and a warning logged, before the token leaves.
 */
export async function registerBreakGlassRoute(
  app: FastifyInstance,
  deps: BreakGlassRouteDeps,
): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(formbody);
    scope.post('/auth/break-glass', async (request, reply) => {
      const auth = await authenticate(request, deps);
      const record = async (outcome: BreakGlassEvent['outcome'], status: number) => {
        if (!deps.recordEvent) throw notAudited();
        await deps.recordEvent({
          outcome,
          status,
          at: deps.server.now(),
          ...actorOf(auth, request),
        });
      };

      const grant = await decide(deps, auth, request.body, record);
      const grantId = await storeGrant(deps, auth, grant);
      await record('granted', 200);
      request.log.warn(
        { userId: auth.user?.id, clientId: auth.clientId, grantId, expiresAt: grant.expiresAt },
        'emergency access granted',
      );

      const issued = await deps.server.issuer.issueAccessToken({
        subject: auth.user!.id,
        clientId: auth.clientId,
        scopes: auth.scopes,
        roles: auth.user!.roles,
        ...(auth.user!.fhirUser ? { fhirUser: auth.user!.fhirUser } : {}),
        ...(auth.patient ? { patient: auth.patient } : {}),
        ...(auth.encounter ? { encounter: auth.encounter } : {}),
        breakGlass: { reason: grant.reason, expiresAt: grant.expiresAt },
      });
      reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
      return {
        access_token: issued.accessToken,
        token_type: 'Bearer',
        expires_in: issued.expiresIn,
        scope: [...auth.scopes, ...grant.scopes].join(' '),
        break_glass_expires_at: grant.expiresAt.toISOString(),
      };
    });
  });
}

/** A human user's own Ward token: a backend client or another issuer's token cannot break glass. */
async function authenticate(request: FastifyRequest, deps: BreakGlassRouteDeps) {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(request.headers.authorization ?? '');
  const check = match ? await deps.server.verifier.checkAccessToken(match[1]!) : undefined;
  if (!check?.ok) {
    request.log.info({ reason: check?.reason ?? 'missing' }, 'bearer token refused');
    throw new FhirError('unauthenticated', 'a valid bearer token is required');
  }
  return check.auth;
}

async function decide(
  deps: BreakGlassRouteDeps,
  auth: AuthContext,
  body: unknown,
  record: (outcome: 'refused', status: number) => Promise<void>,
): Promise<BreakGlassGrant> {
  try {
    if (!auth.user || auth.issuer !== deps.server.settings.issuer) {
      throw new FhirError('forbidden', 'emergency access is for users signed in to Ward');
    }
    return invokeBreakGlass(deps.policy, {
      roles: auth.user.roles,
      reason: readReason(body),
      now: deps.server.now(),
    });
  } catch (error) {
    if (error instanceof FhirError) await record('refused', error.status);
    throw error;
  }
}

/** Persists the grant; the reason may hold PHI, so it is stored encrypted like any PHI. */
async function storeGrant(
  deps: BreakGlassRouteDeps,
  auth: AuthContext,
  grant: BreakGlassGrant,
): Promise<string> {
  const id = randomUUID();
  await deps.db.collection(breakGlassGrantsCollection).insertOne({
    _id: id as never,
    userId: auth.user!.id,
    clientId: auth.clientId,
    sourceTokenId: auth.tokenId,
    reason: deps.keyRing.encrypt(Buffer.from(grant.reason, 'utf8'), `break-glass/${id}`),
    scopes: grant.scopes,
    grantedAt: grant.grantedAt,
    expiresAt: grant.expiresAt,
  });
  return id;
}

function readReason(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return undefined;
  return (body as { reason?: unknown }).reason;
}

function actorOf(auth: AuthContext, request: FastifyRequest) {
  return { userId: auth.user?.id, clientId: auth.clientId, address: request.ip };
}

function notAudited(): FhirError {
  return new FhirError('unavailable', 'emergency access cannot be audited; retry later');
}
