/**
 * Settings of the built-in authorization server. Durations are milliseconds unless the name says
 * otherwise. The lead maps environment variables onto these; defaults follow HIPAA.md.
 */
export interface OAuthSettings {
  /** FHIR base URL, e.g. `https://ward.example/fhir`: the `aud` of every access token. */
  fhirBaseUrl: string;
  /**
   * Issuer of Ward's tokens: `<origin>/auth`, the base of every `/auth` endpoint, so the token
   * endpoint (the `aud` of client assertions) is `${issuer}/token`.
   */
  issuer: string;
  /** Access-token life; at most 15 minutes (HIPAA automatic logoff). */
  accessTokenTtlMs: number;
  /** `online_access` refresh tokens stop working after this much idle time. */
  onlineRefreshIdleMs: number;
  onlineRefreshAbsoluteMs: number;
  /** `offline_access` refresh tokens: longer, still bounded. */
  offlineRefreshIdleMs: number;
  offlineRefreshAbsoluteMs: number;
  /** Clock skew accepted on `exp`/`nbf`/`iat`, in seconds. */
  clockToleranceSec: number;
  /** Longest life a client assertion may claim (SMART Backend Services: 5 minutes). */
  maxAssertionLifetimeSec: number;
}

const minute = 60_000;
const day = 24 * 60 * minute;

/** HIPAA.md "Automatic logoff": no access token outlives 15 minutes of inactivity. */
export const maxAccessTokenTtlMs = 15 * minute;

const defaults = {
  accessTokenTtlMs: 5 * minute,
  onlineRefreshIdleMs: 15 * minute,
  onlineRefreshAbsoluteMs: 12 * 60 * minute,
  offlineRefreshIdleMs: 7 * day,
  offlineRefreshAbsoluteMs: 30 * day,
  clockToleranceSec: 30,
  maxAssertionLifetimeSec: 300,
} as const;

/**
 * Completes settings from the FHIR base URL: the issuer defaults to the URL's origin plus
 * `/auth`. Throws a plain Error (start-up stops) for a token life over 15 minutes.
 */
export function resolveOAuthSettings(
  input: { fhirBaseUrl: string } & Partial<OAuthSettings>,
): Readonly<OAuthSettings> {
  const fhirBaseUrl = input.fhirBaseUrl.replace(/\/+$/, '');
  const settings: OAuthSettings = {
    ...defaults,
    ...input,
    fhirBaseUrl,
    issuer: (input.issuer ?? `${new URL(fhirBaseUrl).origin}/auth`).replace(/\/+$/, ''),
  };
  if (settings.accessTokenTtlMs > maxAccessTokenTtlMs || settings.accessTokenTtlMs <= 0) {
    throw new Error('the access token life must be between 0 and 15 minutes');
  }
  return Object.freeze(settings);
}

/** The `/auth` endpoint URLs derived from the issuer. */
export function describeEndpoints(settings: Pick<OAuthSettings, 'issuer'>) {
  const base = settings.issuer;
  return {
    authorize: `${base}/authorize`,
    token: `${base}/token`,
    jwks: `${base}/jwks`,
    introspect: `${base}/introspect`,
    revoke: `${base}/revoke`,
  } as const;
}
