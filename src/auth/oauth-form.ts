import { OAuthError } from './oauth-error.ts';

/**
 * The body of an `/auth` POST as single string values. RFC 6749 §3.1/§3.2: parameters "MUST
 * NOT be included more than once", so a repeated one is refused rather than one copy picked.
 */
export function readOAuthForm(body: unknown): Record<string, string> {
  if (typeof body !== 'object' || body === null) {
    throw new OAuthError('invalid_request', 'send the parameters form-encoded');
  }
  const form: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(body)) {
    if (typeof value !== 'string') {
      throw new OAuthError('invalid_request', 'a parameter is repeated or malformed');
    }
    if (value !== '') form[name] = value;
  }
  return form;
}
