import type { ClientDocument } from './clients.ts';

/** A registered client as the authorization endpoint needs it. */
export type AuthorizeClient = Pick<ClientDocument, '_id' | 'name' | 'redirectUris' | 'disabled'>;

/** A validated authorization request (SMART App Launch 2.x, RFC 6749 §4.1.1, RFC 7636 §4.3). */
export interface AuthorizeRequest {
  clientId: string;
  clientName: string;
  redirectUri: string;
  scopes: string[];
  state?: string;
  codeChallenge: string;
  nonce?: string;
  /** The EHR launch id, when the app was launched from the EHR. */
  launch?: string;
}

/**
 * What to do with a request that failed. Until the client and its redirect URI are known good,
 * the answer is an error page: redirecting to an unchecked URI would make Ward an open
 * redirector (RFC 6749 §4.1.2.1). After that, errors go back to the app.
 */
export type AuthorizeOutcome =
  | { kind: 'valid'; request: AuthorizeRequest }
  | { kind: 'error-page'; message: string }
  | { kind: 'error-redirect'; location: string };

const statePattern = /^[\x20-\x7e]{1,1024}$/;
const noncePattern = /^[\x20-\x7e]{1,256}$/;
/** RFC 6749 §3.3 scope-token characters. */
const scopeTokenPattern = /^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/;
/** BASE64URL(SHA-256) is always 43 characters. */
const s256ChallengePattern = /^[A-Za-z0-9_-]{43}$/;
const launchPattern = /^[A-Za-z0-9_-]{1,128}$/;
const maxScopes = 100;

/**
 * Validates `/auth/authorize` parameters, from the query (GET) or the form (POST).
 * https://hl7.org/fhir/smart-app-launch/app-launch.html#obtain-authorization-code
 */
export async function validateAuthorizeRequest(
  params: Record<string, unknown>,
  fhirBaseUrl: string,
  findClient: (clientId: string) => Promise<AuthorizeClient | undefined>,
): Promise<AuthorizeOutcome> {
  const read = (name: string) => (typeof params[name] === 'string' ? params[name] : undefined);
  const clientId = read('client_id');
  const redirectUri = read('redirect_uri');
  if (!clientId || !redirectUri) {
    return { kind: 'error-page', message: 'The app sent an incomplete sign-in request.' };
  }
  const client = clientId.length <= 256 ? await findClient(clientId) : undefined;
  if (!client || client.disabled || !client.redirectUris.includes(redirectUri)) {
    return { kind: 'error-page', message: 'The app is not registered for this sign-in address.' };
  }

  const state = read('state');
  const refuse = (error: string, description: string): AuthorizeOutcome => ({
    kind: 'error-redirect',
    location: buildErrorRedirect(redirectUri, error, description, state),
  });
  if (state !== undefined && !statePattern.test(state))
    return refuse('invalid_request', 'state is malformed');
  if (read('response_type') !== 'code') {
    return refuse('unsupported_response_type', 'only response_type=code is supported');
  }
  if (read('code_challenge_method') !== 'S256') {
    return refuse('invalid_request', 'PKCE with code_challenge_method=S256 is required');
  }
  const codeChallenge = read('code_challenge');
  if (!codeChallenge || !s256ChallengePattern.test(codeChallenge)) {
    return refuse('invalid_request', 'code_challenge must be a base64url SHA-256 digest');
  }
  if (trimSlash(read('aud') ?? '') !== trimSlash(fhirBaseUrl)) {
    return refuse('invalid_request', "aud must be this server's FHIR base URL");
  }
  const scopes = parseScopes(read('scope'));
  if (!scopes) return refuse('invalid_scope', 'scope is missing or malformed');

  const nonce = read('nonce');
  if (nonce !== undefined && !noncePattern.test(nonce))
    return refuse('invalid_request', 'nonce is malformed');
  const launch = read('launch');
  if (launch !== undefined && !launchPattern.test(launch))
    return refuse('invalid_request', 'launch is malformed');

  return {
    kind: 'valid',
    request: {
      clientId,
      clientName: client.name,
      redirectUri,
      scopes,
      codeChallenge,
      ...(state !== undefined ? { state } : {}),
      ...(nonce !== undefined ? { nonce } : {}),
      ...(launch !== undefined ? { launch } : {}),
    },
  };
}

/** The redirect URI with `error`, `error_description` and `state` (RFC 6749 §4.1.2.1). */
export function buildErrorRedirect(
  redirectUri: string,
  error: string,
  description: string,
  state: string | undefined,
): string {
  const url = new URL(redirectUri);
  url.searchParams.set('error', error);
  url.searchParams.set('error_description', description);
  if (state !== undefined) url.searchParams.set('state', state);
  return url.toString();
}

function parseScopes(scope: string | undefined): string[] | undefined {
  if (!scope) return undefined;
  const scopes = [...new Set(scope.split(' ').filter(Boolean))];
  if (scopes.length === 0 || scopes.length > maxScopes) return undefined;
  return scopes.every((s) => scopeTokenPattern.test(s)) ? scopes : undefined;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
