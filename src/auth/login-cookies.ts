import type { FastifyReply, FastifyRequest } from 'fastify';

/** The cookies of the login flow, by role. */
export const loginCookieNames = {
  session: 'ward_session',
  mfaChallenge: 'ward_mfa',
  csrf: 'ward_csrf',
} as const;
export type LoginCookie = keyof typeof loginCookieNames;

/**
 * Over HTTPS the names carry the `__Host-` prefix, which browsers accept only with `Secure`,
 * `Path=/` and no `Domain`: a sibling subdomain cannot plant or shadow them.
 * https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1.3.2
 */
function toCookieName(cookie: LoginCookie, isHttps: boolean): string {
  return `${isHttps ? '__Host-' : ''}${loginCookieNames[cookie]}`;
}

/** Reads one of our cookies from the request's `Cookie` header. */
export function readCookie(
  request: FastifyRequest,
  cookie: LoginCookie,
  isHttps: boolean,
): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;

  const name = toCookieName(cookie, isHttps);
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) {
      const value = part.slice(separator + 1).trim();
      return /^[A-Za-z0-9_-]{1,128}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

/**
 * Sets a cookie: HttpOnly (no script reads it), SameSite=Lax (sent on the app's top-level
 * redirect to /auth/authorize, not on cross-site POSTs), Secure over HTTPS. Without `maxAgeS`
 * it lives as long as the browser session; the server decides when a session is over.
 */
export function setCookie(
  reply: FastifyReply,
  cookie: LoginCookie,
  value: string,
  isHttps: boolean,
  maxAgeS?: number,
): void {
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (isHttps) attributes.push('Secure');
  if (maxAgeS !== undefined) attributes.push(`Max-Age=${maxAgeS}`);
  appendSetCookie(reply, `${toCookieName(cookie, isHttps)}=${value}; ${attributes.join('; ')}`);
}

export function clearCookie(reply: FastifyReply, cookie: LoginCookie, isHttps: boolean): void {
  setCookie(reply, cookie, '', isHttps, 0);
}

function appendSetCookie(reply: FastifyReply, line: string): void {
  const existing = reply.getHeader('set-cookie');
  const lines = Array.isArray(existing) ? existing : existing ? [String(existing)] : [];
  reply.header('set-cookie', [...lines, line]);
}
