import { decodeJwt } from 'jose';
import { authenticateClient, type ClientCredentials } from './oauth-client-auth.ts';
import { OAuthError } from './oauth-error.ts';
import { tokenEventTypes, type AuthorizationServer } from './oauth-server.ts';

/**
 * `POST /auth/revoke` (RFC 7009). A refresh token ends its whole grant family; an access token
 * of Ward's is revoked by `jti` until it expires. Only the client a token was issued to may
 * revoke it. Unknown or foreign tokens are answered like revoked ones (§2.2: 200 either way).
 */
export async function revokeToken(
  server: AuthorizationServer,
  credentials: ClientCredentials,
): Promise<void> {
  const { client } = await authenticateClient(server.assertion, credentials);
  const token = credentials.form.token;
  if (!token) throw new OAuthError('invalid_request', 'token is required');

  let isRevoked = false;
  if (credentials.form.token_type_hint !== 'access_token') {
    isRevoked = await server.grants.revokeByToken(token, client._id);
  }
  if (!isRevoked) isRevoked = await revokeAccessToken(server, token, client._id);
  if (isRevoked) {
    await server.recordTokenEvent({
      type: tokenEventTypes.revoked,
      at: server.now(),
      clientId: client._id,
    });
  }
}

async function revokeAccessToken(
  server: AuthorizationServer,
  token: string,
  clientId: string,
): Promise<boolean> {
  const check = await server.verifier.checkAccessToken(token);
  if (!check.ok || check.auth.issuer !== server.settings.issuer) return false;
  if (check.auth.clientId !== clientId) return false;

  const { exp } = decodeJwt(token);
  if (typeof exp !== 'number') return false;
  await server.revocations.revoke(check.auth.tokenId, new Date(exp * 1000));
  return true;
}
