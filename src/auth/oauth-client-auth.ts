import { verifyClientSecret } from './clients-secret.ts';
import { findClient, clientTypes, type ClientDocument } from './clients.ts';
import {
  authenticateByAssertion,
  clientAuthFailure,
  jwtBearerAssertionType,
  type AssertionDeps,
} from './clients-assertion.ts';
import { OAuthError } from './oauth-error.ts';

/** How the client proved who it is (or `none` for a public client that only names itself). */
export const clientAuthMethods = {
  privateKeyJwt: 'private_key_jwt',
  secretBasic: 'client_secret_basic',
  secretPost: 'client_secret_post',
  none: 'none',
} as const;
export type ClientAuthMethod = (typeof clientAuthMethods)[keyof typeof clientAuthMethods];

export interface AuthenticatedClient {
  client: ClientDocument;
  method: ClientAuthMethod;
}

/** The form fields and header a client authenticates with at `/auth` endpoints. */
export interface ClientCredentials {
  form: Readonly<Record<string, string>>;
  authorization?: string;
}

/**
 * Authenticates the caller of a token, introspection or revocation request (RFC 6749 §2.3,
 * RFC 7523). Exactly one method per request (§2.3: "MUST NOT use more than one"). A public
 * client only names itself; callers decide whether that is enough (PKCE, refresh, revoke).
 */
export async function authenticateClient(
  deps: AssertionDeps,
  credentials: ClientCredentials,
): Promise<AuthenticatedClient> {
  const { form } = credentials;
  const basic = parseBasic(credentials.authorization);
  const usesAssertion =
    form.client_assertion !== undefined || form.client_assertion_type !== undefined;
  const used = [basic !== undefined, usesAssertion, form.client_secret !== undefined];
  if (used.filter(Boolean).length > 1) {
    throw new OAuthError('invalid_request', 'use exactly one client authentication method');
  }

  if (usesAssertion) {
    if (form.client_assertion_type !== jwtBearerAssertionType || !form.client_assertion) {
      throw clientAuthFailure();
    }
    const client = await authenticateByAssertion(deps, form.client_assertion, form.client_id);
    return { client, method: clientAuthMethods.privateKeyJwt };
  }
  if (basic) {
    const client = await checkSecret(deps, basic.clientId, basic.secret, form.client_id);
    return { client, method: clientAuthMethods.secretBasic };
  }
  if (form.client_secret !== undefined) {
    if (!form.client_id) throw clientAuthFailure();
    const client = await checkSecret(deps, form.client_id, form.client_secret, undefined);
    return { client, method: clientAuthMethods.secretPost };
  }
  return { client: await findPublicClient(deps, form.client_id), method: clientAuthMethods.none };
}

async function checkSecret(
  deps: AssertionDeps,
  clientId: string,
  secret: string,
  formClientId: string | undefined,
): Promise<ClientDocument> {
  if (formClientId !== undefined && formClientId !== clientId) throw clientAuthFailure();

  const client = await findClient(deps.db, clientId);
  if (!client?.secretHash) throw clientAuthFailure();
  if (!(await verifyClientSecret(secret, client.secretHash))) throw clientAuthFailure();
  return client;
}

async function findPublicClient(
  deps: AssertionDeps,
  clientId: string | undefined,
): Promise<ClientDocument> {
  if (!clientId) throw clientAuthFailure();
  const client = await findClient(deps.db, clientId);
  // A confidential or backend client that presents no credential is refused, not downgraded.
  if (!client || client.type !== clientTypes.public) throw clientAuthFailure();
  return client;
}

/** RFC 6749 §2.3.1: `Basic base64(urlencode(id) ":" urlencode(secret))`. */
function parseBasic(header: string | undefined): { clientId: string; secret: string } | undefined {
  if (!header) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) throw clientAuthFailure();

  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw clientAuthFailure();
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    throw clientAuthFailure();
  }
}
