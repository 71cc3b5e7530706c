import type { FastifyReply } from 'fastify';

/**
 * OAuth error codes of the `/auth` endpoints with their HTTP status (RFC 6749 §5.2,
 * https://www.rfc-editor.org/rfc/rfc6749#section-5.2). These endpoints speak OAuth, not FHIR,
 * so their failures are this JSON shape rather than an OperationOutcome.
 */
const oauthFailures = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  unsupported_token_type: 400,
} as const;

export type OAuthErrorCode = keyof typeof oauthFailures;

/**
 * A refusal at an `/auth` endpoint. `description` is our own wording and never says which
 * check on a credential failed.
 */
export class OAuthError extends Error {
  readonly status: number;

  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
  ) {
    super(description);
    this.name = 'OAuthError';
    this.status = oauthFailures[error];
  }
}

/** Sends an OAuthError as RFC 6749 §5.2 JSON, uncached. */
export function sendOAuthError(reply: FastifyReply, failure: OAuthError): FastifyReply {
  if (failure.error === 'invalid_client') {
    // RFC 6749 §5.2: a 401 names the authentication scheme the client may use.
    reply.header('www-authenticate', 'Basic realm="ward", charset="UTF-8"');
  }
  return reply
    .code(failure.status)
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .send({ error: failure.error, error_description: failure.description });
}
