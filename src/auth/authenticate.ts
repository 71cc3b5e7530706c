import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FhirError } from '../fhir/fhir-error.ts';
import type { TokenVerifier } from './token-verify.ts';

/** `/fhir` paths anyone may read: discovery documents (SMART App Launch 2.x, FHIR R4 `metadata`). */
const publicFhirPaths = new Set(['/fhir/metadata', '/fhir/.well-known/smart-configuration']);

const realm = 'realm="ward"';

export interface AuthenticationDeps {
  verifier: Pick<TokenVerifier, 'checkAccessToken'>;
}

/**
 * Requires a valid bearer token on every `/fhir` request except the discovery documents
 * (DESIGN.md "Fail closed": no token, no data) and sets `request.auth`. Every failure is the same
 * 401 with `WWW-Authenticate` (RFC 6750 §3) and an OperationOutcome; only the log line says why,
 * as a jose error code.
 */
export function registerAuthentication(app: FastifyInstance, deps: AuthenticationDeps): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!isProtectedPath(request.url)) return;

    const token = readBearerToken(request);
    if (token === undefined) {
      // RFC 6750 §3.1: a request without credentials gets no error code.
      throw refuse(reply, `Bearer ${realm}`);
    }
    const check = await deps.verifier.checkAccessToken(token);
    if (!check.ok) {
      request.log.info({ reason: check.reason }, 'bearer token refused');
      throw refuse(reply, `Bearer ${realm}, error="invalid_token"`);
    }
    request.auth = check.auth;
  });
}

/** Whether a request URL falls under `/fhir` and is not a public discovery document. */
function isProtectedPath(url: string): boolean {
  const path = url.split('?', 1)[0]!;
  if (path !== '/fhir' && !path.startsWith('/fhir/')) return false;
  return !publicFhirPaths.has(path);
}

/** The token of `Authorization: Bearer <token>`; malformed headers count as invalid tokens. */
function readBearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return match ? match[1]! : '';
}

function refuse(reply: FastifyReply, challenge: string): FhirError {
  reply.header('www-authenticate', challenge);
  return new FhirError('unauthenticated', 'a valid bearer token is required');
}
