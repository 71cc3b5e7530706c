import { redeemAuthorizationCode } from './authorize-code.ts';
import { clientTypes, type ClientDocument } from './clients.ts';
import {
  authenticateClient,
  clientAuthMethods,
  type ClientCredentials,
} from './oauth-client-auth.ts';
import { OAuthError } from './oauth-error.ts';
import { tokenEventTypes, type AuthorizationServer } from './oauth-server.ts';
import { intersectScopes } from './scope-intersect.ts';
import type { GrantContext } from './token-grants.ts';
import { splitScopeParameter } from './token-scopes.ts';
import { findUserById } from './users.ts';

/** The successful token response (RFC 6749 §5.1 plus SMART launch context). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
  id_token?: string;
  patient?: string;
  encounter?: string;
}

/**
 * `POST /auth/token`: authenticates the client, then runs the grant. Throws OAuthError for
 * every refusal (the route sends it as RFC 6749 §5.2 JSON).
 */
export async function exchangeToken(
  server: AuthorizationServer,
  credentials: ClientCredentials,
): Promise<TokenResponse> {
  const grantType = credentials.form.grant_type;
  const isKnownGrant =
    grantType === 'client_credentials' ||
    grantType === 'authorization_code' ||
    grantType === 'refresh_token';
  if (!isKnownGrant) {
    throw new OAuthError('unsupported_grant_type', 'the grant type is not supported');
  }

  const { client, method } = await authenticateClient(server.assertion, credentials);
  if (grantType === 'client_credentials') {
    if (client.type !== clientTypes.backend || method === clientAuthMethods.none) {
      throw new OAuthError('unauthorized_client', 'this client may not use client_credentials');
    }
    return grantClientCredentials(server, client, credentials.form);
  }
  if (grantType === 'authorization_code')
    return grantAuthorizationCode(server, client, credentials.form);
  return grantRefresh(server, client, credentials.form);
}

/** SMART Backend Services: system scopes requested ∩ those registered for the client. */
async function grantClientCredentials(
  server: AuthorizationServer,
  client: ClientDocument,
  form: Record<string, string>,
): Promise<TokenResponse> {
  const requested = splitScopeParameter(form.scope) ?? [];
  const scopes = intersectScopes(requested, client.allowedScopes);
  if (scopes.length === 0)
    throw new OAuthError('invalid_scope', 'no requested scope can be granted');

  const issued = await server.issuer.issueAccessToken({
    subject: client._id,
    clientId: client._id,
    scopes,
  });
  await server.recordTokenEvent({
    type: tokenEventTypes.issued,
    at: server.now(),
    clientId: client._id,
    grantType: 'client_credentials',
  });
  return toResponse(issued, scopes);
}

/** SMART App Launch: redeem the code (PKCE checked by S2b's redeemer) for the user's tokens. */
async function grantAuthorizationCode(
  server: AuthorizationServer,
  client: ClientDocument,
  form: Record<string, string>,
): Promise<TokenResponse> {
  const { code, code_verifier: codeVerifier, redirect_uri: redirectUri } = form;
  if (!code || !codeVerifier || !redirectUri) {
    throw new OAuthError('invalid_request', 'code, code_verifier and redirect_uri are required');
  }
  const grant = await redeemAuthorizationCode(server.db, {
    code,
    codeVerifier,
    clientId: client._id,
    redirectUri,
    now: server.now(),
  });
  if (!grant) throw new OAuthError('invalid_grant', 'the authorization code is not valid');

  const context: GrantContext = {
    clientId: client._id,
    userId: grant.userId,
    scopes: intersectScopes(grant.scopes, client.allowedScopes),
    isOffline: grant.scopes.includes('offline_access'),
    ...(grant.patient ? { patient: grant.patient } : {}),
    ...(grant.encounter ? { encounter: grant.encounter } : {}),
    ...(grant.fhirUser ? { fhirUser: grant.fhirUser } : {}),
  };
  const response = await issueUserTokens(server, context, { nonce: grant.nonce, isFirst: true });
  await server.recordTokenEvent({
    type: tokenEventTypes.issued,
    at: server.now(),
    clientId: client._id,
    userId: grant.userId,
    grantType: 'authorization_code',
  });
  return response;
}

/** Rotates the refresh token; reuse ends the family; more scope than granted is refused. */
async function grantRefresh(
  server: AuthorizationServer,
  client: ClientDocument,
  form: Record<string, string>,
): Promise<TokenResponse> {
  if (!form.refresh_token) throw new OAuthError('invalid_request', 'refresh_token is required');

  const requested = splitScopeParameter(form.scope);
  const outcome = await server.grants.refresh(form.refresh_token, client._id, requested);
  if (outcome.kind === 'reused') {
    await server.recordTokenEvent({
      type: tokenEventTypes.refreshReused,
      at: server.now(),
      clientId: client._id,
    });
    throw new OAuthError('invalid_grant', 'the refresh token is not valid');
  }

  const response = await issueUserTokens(server, outcome.context, {
    isFirst: false,
    refreshToken: outcome.refreshToken,
  });
  await server.recordTokenEvent({
    type: tokenEventTypes.refreshed,
    at: server.now(),
    clientId: client._id,
    userId: outcome.context.userId,
    grantType: 'refresh_token',
  });
  return response;
}

/**
 * Access token (+ id_token for `openid`, + refresh token for `offline_access`/`online_access`)
 * for a user grant. The user is re-read: a disabled user gets nothing, and roles are current.
 */
async function issueUserTokens(
  server: AuthorizationServer,
  context: GrantContext,
  options: { isFirst: boolean; nonce?: string; refreshToken?: string },
): Promise<TokenResponse> {
  const user = await findUserById(server.db, context.userId);
  if (!user || user.disabled) {
    throw new OAuthError('invalid_grant', 'the grant is no longer valid');
  }
  if (context.scopes.length === 0) throw new OAuthError('invalid_scope', 'nothing can be granted');

  const issued = await server.issuer.issueAccessToken({
    subject: user._id,
    clientId: context.clientId,
    scopes: context.scopes,
    roles: user.roles,
    ...pickLaunchContext(context),
  });
  const response = toResponse(issued, context.scopes, context);

  const wantsRefresh = ['offline_access', 'online_access'].some((s) => context.scopes.includes(s));
  if (options.refreshToken) response.refresh_token = options.refreshToken;
  else if (options.isFirst && wantsRefresh)
    response.refresh_token = await server.grants.start(context);

  if (options.isFirst && context.scopes.includes('openid')) {
    response.id_token = await server.issuer.issueIdToken({
      subject: user._id,
      clientId: context.clientId,
      ...(context.scopes.includes('fhirUser') && context.fhirUser
        ? { fhirUser: context.fhirUser }
        : {}),
      ...(options.nonce ? { nonce: options.nonce } : {}),
    });
  }
  return response;
}

function pickLaunchContext(context: GrantContext) {
  return {
    ...(context.patient ? { patient: context.patient } : {}),
    ...(context.encounter ? { encounter: context.encounter } : {}),
    ...(context.fhirUser ? { fhirUser: context.fhirUser } : {}),
    ...(context.sessionId ? { sessionId: context.sessionId } : {}),
  };
}

function toResponse(
  issued: { accessToken: string; expiresIn: number },
  scopes: readonly string[],
  context: Partial<GrantContext> = {},
): TokenResponse {
  return {
    access_token: issued.accessToken,
    token_type: 'Bearer',
    expires_in: issued.expiresIn,
    scope: scopes.join(' '),
    ...(context.patient ? { patient: context.patient } : {}),
    ...(context.encounter ? { encounter: context.encounter } : {}),
  };
}
