import type { FastifyInstance } from 'fastify';

/** Options for {@link registerSecurityHeaders}. */
export interface SecurityHeaderOptions {
  /**
   * True when clients reach Ward over TLS: Ward serves HTTPS itself, or the operator declared a
   * TLS-terminating proxy (`BEHIND_TLS_PROXY`). Only then is Strict-Transport-Security sent.
   */
  isHttps: boolean;
}

/** FHIR interactions live under this prefix; every answer there may carry PHI. */
const fhirPathPrefix = '/fhir';

const alwaysHeaders = {
  // The API returns JSON only: nothing may load, run or frame it.
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // A URL can hold search values (name=, birthdate=); never hand it to another site.
  'referrer-policy': 'no-referrer',
} as const;

/** One year, subdomains included: HIPAA.md "Encryption"; RFC 6797 §6.1. */
const strictTransportSecurity = 'max-age=31536000; includeSubDomains';

/**
 * Adds HIPAA.md's response headers to every reply, errors and 404s included (an onSend hook
 * runs for all of them).
 *
 * Cache-Control is `no-store` on everything under /fhir, overriding any route, because a cached
 * copy of PHI in a browser or proxy is a copy nobody audits. Elsewhere it is `no-store` unless the
 * route chose its own (token answers must not be cached either: RFC 6749 §5.1).
 */
export function registerSecurityHeaders(
  app: FastifyInstance,
  options: SecurityHeaderOptions,
): void {
  app.addHook('onSend', async (request, reply, payload) => {
    reply.headers(alwaysHeaders);
    if (options.isHttps) reply.header('strict-transport-security', strictTransportSecurity);

    if (isFhirPath(request.url) || !reply.hasHeader('cache-control')) {
      reply.header('cache-control', 'no-store');
    }
    return payload;
  });
}

function isFhirPath(url: string): boolean {
  const path = url.split('?', 1)[0] ?? '';
  return path === fhirPathPrefix || path.startsWith(`${fhirPathPrefix}/`);
}
