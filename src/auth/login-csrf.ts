import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { readCookie, setCookie, type LoginCookie } from './login-cookies.ts';

const csrfCookie: LoginCookie = 'csrf';

/**
 * Double-submit CSRF token: the same random value in a cookie and in a hidden form field. A
 * cross-site form can send the cookie but cannot read it to fill the field. Returns the token
 * for the page being rendered, setting the cookie when the browser has none yet.
 */
export function issueCsrfToken(
  request: FastifyRequest,
  reply: FastifyReply,
  isHttps: boolean,
): string {
  const existing = readCookie(request, csrfCookie, isHttps);
  if (existing) return existing;

  const token = randomBytes(24).toString('base64url');
  setCookie(reply, csrfCookie, token, isHttps);
  return token;
}

/** True when the form's `csrf` field equals the cookie. */
export function hasValidCsrfToken(
  request: FastifyRequest,
  formValue: string | undefined,
  isHttps: boolean,
): boolean {
  const cookie = readCookie(request, csrfCookie, isHttps);
  if (!cookie || !formValue) return false;
  const a = Buffer.from(cookie);
  const b = Buffer.from(formValue);
  return a.length === b.length && timingSafeEqual(a, b);
}
