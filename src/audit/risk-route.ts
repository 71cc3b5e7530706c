import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from 'mongodb';
import type { AuthContext } from '../auth/auth-context.ts';
import type { TokenVerifier } from '../auth/token-verify.ts';
import { FhirError } from '../fhir/fhir-error.ts';
import type { AuditServer } from './audit-parts.ts';
import type { AuditTrail } from './audit-trail.ts';
import { getUserRisk } from './user-risk.ts';

/** Roles that may read a user's breach findings (HIPAA.md: admins and the compliance role). */
const riskReaderRoles: ReadonlySet<string> = new Set(['admin', 'compliance']);

export interface RiskRouteDeps {
  db: Db;
  verifier: Pick<TokenVerifier, 'checkAccessToken'>;
  trail: AuditTrail;
  server: AuditServer;
  now?: () => Date;
}

/**
 * `GET /admin/users/:id/risk`: a user's risk score, level, recommended action and the breach
 * findings behind them (issue #5, "queryable by admins"). Only a token of a human user holding
 * the admin or compliance role gets an answer; backend clients do not, whatever their scopes.
 * Every call, answered or refused, is audited before the response leaves, because it discloses
 * security data about a person.
 */
export function registerRiskRoute(app: FastifyInstance, deps: RiskRouteDeps): void {
  app.get<{ Params: { id: string } }>('/admin/users/:id/risk', async (request, reply) => {
    const userId = request.params.id;
    let auth: AuthContext | undefined;
    try {
      auth = await authenticate(request, reply, deps.verifier);
      if (!auth.user?.roles.some((role) => riskReaderRoles.has(role))) {
        throw new FhirError('forbidden', 'the admin or compliance role is required');
      }
      const risk = await getUserRisk(deps.db, userId, { now: deps.now?.() });
      await record(deps, request, auth, userId, 200);
      return reply.type('application/json; charset=utf-8').send(risk);
    } catch (error) {
      const status = error instanceof FhirError ? error.status : 500;
      // Fail closed: when even the refusal cannot be audited, the caller gets the audit's 503.
      await record(deps, request, auth, userId, status);
      throw error;
    }
  });
}

async function authenticate(
  request: FastifyRequest,
  reply: FastifyReply,
  verifier: RiskRouteDeps['verifier'],
): Promise<AuthContext> {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(request.headers.authorization ?? '');
  const check = match ? await verifier.checkAccessToken(match[1]!) : undefined;
  if (check?.ok) return check.auth;
  // RFC 6750 §3: the same challenge as the FHIR endpoints.
  const error = request.headers.authorization === undefined ? '' : ', error="invalid_token"';
  reply.header('www-authenticate', `Bearer realm="ward"${error}`);
  throw new FhirError('unauthenticated', 'a valid bearer token is required');
}

/**
 * An `operation` AuditEvent whose query entity names the user looked at (base64, as BALP does
 * for query parameters), so the trail answers "who read this user's risk".
 */
async function record(
  deps: RiskRouteDeps,
  request: FastifyRequest,
  auth: AuthContext | undefined,
  userId: string,
  status: number,
): Promise<void> {
  try {
    await deps.trail.recordRest({
      interaction: 'operation',
      outcome: { status },
      recorded: deps.now?.() ?? new Date(),
      auth,
      network: { address: request.ip },
      patients: [],
      query: `risk?user=${encodeURIComponent(userId)}`,
      requestId: request.id,
      server: deps.server,
    });
  } catch (cause) {
    request.log.error({ err: cause }, 'audit record failed; answer withheld');
    throw new FhirError('unavailable', 'the request could not be audited; retry later');
  }
}
