import { createHmac, timingSafeEqual } from 'node:crypto';
import { FhirError } from './fhir-error.ts';

/**
 * Opaque, tamper-proof tokens for paging links: base64url(JSON) + '.' + HMAC-SHA256.
 * The payload carries only positions we minted (timestamps, our own keys), never query values.
 */
export function sealToken(payload: unknown, key: Buffer): string {
  const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${body}.${sign(body, key)}`;
}

/** Opens a token made by `sealToken`; a forged or damaged token is a 400. */
export function openToken(token: string, key: Buffer): unknown {
  const [body, mac, ...rest] = token.split('.');
  if (!body || !mac || rest.length > 0) throw badToken();
  const expected = Buffer.from(sign(body, key), 'base64url');
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw badToken();
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw badToken();
  }
}

function sign(body: string, key: Buffer): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}

function badToken(): FhirError {
  return new FhirError('invalidInput', 'the paging token is not valid for this server');
}
