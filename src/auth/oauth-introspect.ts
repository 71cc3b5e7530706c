import { decodeJwt } from 'jose';
import { clientTypes } from './clients.ts';
import {
  authenticateClient,
  clientAuthMethods,
  type ClientCredentials,
} from './oauth-client-auth.ts';
import { OAuthError } from './oauth-error.ts';
import type { AuthorizationServer } from './oauth-server.ts';

const inactive = { active: false } as const;

/**
 * `POST /auth/introspect` (RFC 7662). The caller authenticates as a confidential or backend
 * client. Access tokens (Ward's or a configured issuer's) are reported when they verify now;
 * refresh tokens only to the client that holds them. Anything else is `{ active: false }`,
 * without saying why (§2.2).
 */
export async function introspectToken(
  server: AuthorizationServer,
  credentials: ClientCredentials,
): Promise<Record<string, unknown>> {
  const { client, method } = await authenticateClient(server.assertion, credentials);
  if (method === clientAuthMethods.none || client.type === clientTypes.public) {
    throw new OAuthError('invalid_client', 'client authentication failed');
  }
  const token = credentials.form.token;
  if (!token) throw new OAuthError('invalid_request', 'token is required');

  if (credentials.form.token_type_hint !== 'refresh_token') {
    const check = await server.verifier.checkAccessToken(token);
    if (check.ok) return describeAccessToken(token, check.auth);
  }
  const grant = await server.grants.describe(token, client._id);
  if (!grant) return inactive;
  return {
    active: true,
    token_type: 'refresh_token',
    client_id: grant.clientId,
    sub: grant.userId,
    scope: grant.scopes.join(' '),
    exp: Math.floor(grant.expiresAt.getTime() / 1000),
  };
}

function describeAccessToken(
  token: string,
  auth: {
    clientId: string;
    scopes: string[];
    issuer: string;
    patient?: string;
    user?: { id: string; fhirUser?: string };
  },
): Record<string, unknown> {
  // Verified just above; decoding again only reads the registered claims for the response.
  const { exp, iat, jti, sub, aud } = decodeJwt(token);
  return {
    active: true,
    token_type: 'Bearer',
    scope: auth.scopes.join(' '),
    client_id: auth.clientId,
    iss: auth.issuer,
    ...(sub ? { sub } : {}),
    ...(aud ? { aud } : {}),
    ...(exp ? { exp } : {}),
    ...(iat ? { iat } : {}),
    ...(jti ? { jti } : {}),
    ...(auth.patient ? { patient: auth.patient } : {}),
    ...(auth.user?.fhirUser ? { fhirUser: auth.user.fhirUser } : {}),
  };
}
