import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { OAuthSettings } from './oauth-settings.ts';
import type { SigningKeys } from './signing-keys.ts';

/** `typ` of Ward's access tokens (RFC 9068 §2.1); an id_token cannot pass as one. */
export const accessTokenType = 'at+jwt';

/**
 * What an access token carries. `roles` is present exactly when a human user is behind the
 * token (then `subject` is the user id); a backend service's token has `subject` = client id.
 */
export interface AccessTokenInput {
  subject: string;
  clientId: string;
  scopes: readonly string[];
  patient?: string;
  encounter?: string;
  fhirUser?: string;
  roles?: readonly string[];
  breakGlass?: { reason: string; expiresAt: Date };
  sessionId?: string;
}

export interface IssuedAccessToken {
  accessToken: string;
  jti: string;
  /** Seconds, for the token response's `expires_in`. */
  expiresIn: number;
  expiresAt: Date;
}

export interface IdTokenInput {
  subject: string;
  clientId: string;
  fhirUser?: string;
  nonce?: string;
}

/**
 * Signs Ward's tokens with the active signing key. Claims: `iss` = settings.issuer
 * (`<origin>/auth`), `aud` = the FHIR base URL, `exp` ≤ 15 minutes, a fresh `jti`, `scope`
 * space-separated (RFC 9068 / SMART App Launch "scopes").
 */
export class TokenIssuer {
  readonly #keys: SigningKeys;
  readonly #settings: OAuthSettings;
  readonly #now: () => Date;

  constructor(keys: SigningKeys, settings: OAuthSettings, now: () => Date = () => new Date()) {
    this.#keys = keys;
    this.#settings = settings;
    this.#now = now;
  }

  async issueAccessToken(input: AccessTokenInput): Promise<IssuedAccessToken> {
    const jti = randomUUID();
    const issuedAtSec = Math.floor(this.#now().getTime() / 1000);
    const expiresIn = computeLifetimeSec(this.#settings, issuedAtSec, input.breakGlass);
    const claims = {
      client_id: input.clientId,
      scope: input.scopes.join(' '),
      ...(input.patient ? { patient: input.patient } : {}),
      ...(input.encounter ? { encounter: input.encounter } : {}),
      ...(input.fhirUser ? { fhirUser: input.fhirUser } : {}),
      ...(input.roles ? { roles: [...input.roles] } : {}),
      ...(input.sessionId ? { sid: input.sessionId } : {}),
      ...(input.breakGlass ? { break_glass: toBreakGlassClaim(input.breakGlass) } : {}),
    };
    const accessToken = await this.#sign(claims, accessTokenType, {
      subject: input.subject,
      audience: this.#settings.fhirBaseUrl,
      issuedAtSec,
      expiresAtSec: issuedAtSec + expiresIn,
      jti,
    });
    return { accessToken, jti, expiresIn, expiresAt: new Date((issuedAtSec + expiresIn) * 1000) };
  }

  /** An OpenID Connect id_token for the app (`aud` = its client id), with `fhirUser`. */
  async issueIdToken(input: IdTokenInput): Promise<string> {
    const issuedAtSec = Math.floor(this.#now().getTime() / 1000);
    const claims = {
      ...(input.fhirUser ? { fhirUser: input.fhirUser } : {}),
      ...(input.nonce ? { nonce: input.nonce } : {}),
    };
    return this.#sign(claims, 'JWT', {
      subject: input.subject,
      audience: input.clientId,
      issuedAtSec,
      expiresAtSec: issuedAtSec + Math.floor(this.#settings.accessTokenTtlMs / 1000),
      jti: randomUUID(),
    });
  }

  async #sign(
    claims: Record<string, unknown>,
    typ: string,
    registered: {
      subject: string;
      audience: string;
      issuedAtSec: number;
      expiresAtSec: number;
      jti: string;
    },
  ): Promise<string> {
    const { kid, alg, key } = await this.#keys.signingKey();
    return new SignJWT(claims)
      .setProtectedHeader({ alg, kid, typ })
      .setIssuer(this.#settings.issuer)
      .setSubject(registered.subject)
      .setAudience(registered.audience)
      .setIssuedAt(registered.issuedAtSec)
      .setNotBefore(registered.issuedAtSec)
      .setExpirationTime(registered.expiresAtSec)
      .setJti(registered.jti)
      .sign(key);
  }
}

/** The configured life, cut short so emergency access ends when its window does. */
function computeLifetimeSec(
  settings: OAuthSettings,
  issuedAtSec: number,
  breakGlass: AccessTokenInput['breakGlass'],
): number {
  const configured = Math.floor(settings.accessTokenTtlMs / 1000);
  if (!breakGlass) return configured;
  const remaining = Math.floor(breakGlass.expiresAt.getTime() / 1000) - issuedAtSec;
  return Math.max(0, Math.min(configured, remaining));
}

function toBreakGlassClaim(breakGlass: { reason: string; expiresAt: Date }) {
  return { reason: breakGlass.reason, exp: Math.floor(breakGlass.expiresAt.getTime() / 1000) };
}
