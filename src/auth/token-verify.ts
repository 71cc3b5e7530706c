import { decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { FhirError } from '../fhir/fhir-error.ts';
import type { AuthContext } from './auth-context.ts';
import {
  verifyExternalToken,
  type ExternalIssuer,
  type ExternalVerifyDeps,
} from './external-idp.ts';
import type { OAuthSettings } from './oauth-settings.ts';
import { signingAlgorithm, type SigningKeys } from './signing-keys.ts';
import { accessTokenType } from './token-issuer.ts';
import type { TokenRevocations } from './token-revocations.ts';

export interface TokenVerifierDeps extends ExternalVerifyDeps {
  settings: OAuthSettings;
  signingKeys: SigningKeys;
  revocations: TokenRevocations;
  externalIssuers: readonly ExternalIssuer[];
}

/** A verification outcome; `reason` is a jose error code or our own short code, never claims. */
export type TokenCheck = { ok: true; auth: AuthContext } | { ok: false; reason: string };

/**
 * Verifies bearer tokens: Ward's own (ES384 by a key of `signing_keys`, `typ` at+jwt, issuer,
 * audience = the FHIR base URL, exp/nbf with skew, not revoked) and those of configured external
 * issuers. Which verifier runs is chosen by the unverified `iss`; the chosen one checks it again.
 */
export class TokenVerifier {
  readonly #deps: TokenVerifierDeps;
  readonly #external: ReadonlyMap<string, ExternalIssuer>;
  readonly #verified = new VerifiedTokens();

  constructor(deps: TokenVerifierDeps) {
    this.#deps = deps;
    this.#external = new Map(deps.externalIssuers.map((issuer) => [issuer.issuer, issuer]));
  }

  /**
   * The caller's AuthContext, or FhirError `unauthenticated` for any failure, all alike: the
   * client learns nothing about which check failed.
   */
  async verifyAccessToken(token: string): Promise<AuthContext> {
    const check = await this.checkAccessToken(token);
    if (!check.ok) throw new FhirError('unauthenticated', 'the access token is not valid');
    return check.auth;
  }

  /** Like {@link verifyAccessToken} but reporting why, for a log line (never for the client). */
  async checkAccessToken(token: string): Promise<TokenCheck> {
    try {
      const issuer = readUnverifiedIssuer(token);
      const external = issuer === undefined ? undefined : this.#external.get(issuer);
      const auth = external
        ? await verifyExternalToken(external, token, this.#deps)
        : await this.#verifyOwn(token);
      return auth ? { ok: true, auth } : { ok: false, reason: 'claims' };
    } catch (error) {
      // jose errors carry the claims payload: keep only their stable code.
      const code = (error as { code?: unknown }).code;
      return { ok: false, reason: typeof code === 'string' ? code : 'invalid' };
    }
  }

  async #verifyOwn(token: string): Promise<AuthContext | undefined> {
    const now = this.#deps.now();
    const auth = this.#verified.get(token, now) ?? (await this.#verifySignature(token, now));
    if (!auth) return undefined;
    return (await this.#deps.revocations.isRevoked(auth.tokenId)) ? undefined : auth;
  }

  async #verifySignature(token: string, now: Date): Promise<AuthContext | undefined> {
    const { settings, signingKeys } = this.#deps;
    const { payload } = await jwtVerify(token, signingKeys.resolveVerificationKey, {
      issuer: settings.issuer,
      audience: settings.fhirBaseUrl,
      algorithms: [signingAlgorithm],
      typ: accessTokenType,
      requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id', 'scope'],
      clockTolerance: settings.clockToleranceSec,
      currentDate: now,
    });
    const auth = toAuthContext(payload, settings.issuer, now);
    if (!auth) return undefined;
    const expiresAtMs = (payload.exp! + settings.clockToleranceSec) * 1000;
    this.#verified.set(token, auth, now, Math.min(expiresAtMs, auth.breakGlass?.expiresAt.getTime() ?? Infinity));
    return auth;
  }
}

/** How long a verified token is trusted without checking its signature again. */
const verifiedTtlMs = 60_000;
const maxVerifiedTokens = 10_000;

/**
 * Ward's own tokens that passed every check, by their exact text, so that a client's next
 * requests skip the ES384 signature check (about 0.8 ms of CPU, most of what authorization costs
 * per request). Only the text that was verified can hit; an entry ends with the token (or its
 * break-glass grant), after a minute at most, or when the clock runs backwards. Revocation is
 * checked on every request all the same.
 */
class VerifiedTokens {
  readonly #entries = new Map<string, { auth: AuthContext; verifiedAtMs: number; untilMs: number }>();

  get(token: string, now: Date): AuthContext | undefined {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    const nowMs = now.getTime();
    if (nowMs >= entry.verifiedAtMs && nowMs < entry.untilMs) return entry.auth;
    this.#entries.delete(token);
    return undefined;
  }

  set(token: string, auth: AuthContext, now: Date, expiresAtMs: number): void {
    const nowMs = now.getTime();
    if (this.#entries.size >= maxVerifiedTokens) {
      // Maps iterate in insertion order: drop the oldest entry.
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    const untilMs = Math.min(expiresAtMs, nowMs + verifiedTtlMs);
    this.#entries.set(token, { auth: Object.freeze(auth), verifiedAtMs: nowMs, untilMs });
  }
}

function readUnverifiedIssuer(token: string): string | undefined {
  const { iss } = decodeJwt(token);
  return typeof iss === 'string' ? iss : undefined;
}

/** Maps verified claims of Ward's own token; `undefined` when a claim has the wrong shape. */
function toAuthContext(payload: JWTPayload, issuer: string, now: Date): AuthContext | undefined {
  const { jti, sub, client_id: clientId, scope, roles, fhirUser, patient, encounter } = payload;
  if (typeof jti !== 'string' || typeof sub !== 'string') return undefined;
  if (typeof clientId !== 'string' || typeof scope !== 'string') return undefined;
  if (roles !== undefined && !isStringArray(roles)) return undefined;

  const breakGlass = readBreakGlass(payload.break_glass);
  if (breakGlass === null || (breakGlass && breakGlass.expiresAt <= now)) return undefined;

  const user = roles
    ? { id: sub, roles, ...(typeof fhirUser === 'string' ? { fhirUser } : {}) }
    : undefined;
  return {
    tokenId: jti,
    issuer,
    ...(user ? { user } : {}),
    clientId,
    scopes: scope.split(' ').filter(Boolean),
    ...(typeof patient === 'string' ? { patient } : {}),
    ...(typeof encounter === 'string' ? { encounter } : {}),
    ...(breakGlass ? { breakGlass } : {}),
  };
}

/** `undefined` when absent, `null` when malformed (the token is then refused). */
function readBreakGlass(claim: unknown): AuthContext['breakGlass'] | null {
  if (claim === undefined) return undefined;
  if (typeof claim !== 'object' || claim === null) return null;
  const { reason, exp } = claim as Record<string, unknown>;
  if (typeof reason !== 'string' || typeof exp !== 'number') return null;
  return { reason, expiresAt: new Date(exp * 1000) };
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
