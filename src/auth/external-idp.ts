import { Ajv } from 'ajv';
import { jwtVerify, type JWTPayload } from 'jose';
import type { AuthContext } from './auth-context.ts';
import type { RemoteJwksCache } from './jwks-remote.ts';
import { intersectScopes } from './scope-intersect.ts';

/**
 * A trusted external identity provider (Keycloak, Okta, Azure AD, ...) whose access tokens Ward
 * accepts, verified through its JWKS. Claims are mapped by name; a dotted name reaches into
 * nested claims (Keycloak's `realm_access.roles`).
 */
export interface ExternalIssuer {
  issuer: string;
  jwksUri: string;
  audience: string | string[];
  /** Asymmetric algorithms only: `none` and HS* are refused by the schema. */
  algorithms: string[];
  roleClaim: string;
  scopeClaim: string;
  clientClaim: string;
}

/**
 * Only asymmetric algorithms: an HS* allow-list would let anyone holding the IdP's *public* key
 * (published in its JWKS) mint tokens, and `none` needs no key at all.
 */
export const externalAlgorithms = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

const issuerSchema = {
  type: 'object',
  required: ['issuer', 'jwksUri', 'audience', 'algorithms'],
  additionalProperties: false,
  properties: {
    issuer: { type: 'string', minLength: 1 },
    jwksUri: {
      type: 'string',
      pattern: '^(https://|http://(127\\.0\\.0\\.1|localhost)(:[0-9]+)?/)',
    },
    audience: {
      anyOf: [
        { type: 'string', minLength: 1 },
        { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
      ],
    },
    algorithms: { type: 'array', minItems: 1, items: { enum: externalAlgorithms } },
    roleClaim: { type: 'string', minLength: 1, default: 'roles' },
    scopeClaim: { type: 'string', minLength: 1, default: 'scope' },
    clientClaim: { type: 'string', minLength: 1, default: 'azp' },
  },
} as const;

const validateIssuers = new Ajv({ allErrors: true, useDefaults: true }).compile({
  type: 'array',
  items: issuerSchema,
});

/**
 * Checks a list of external issuers (parsed JSON). Throws a plain Error naming the bad entries
 * (start-up stops): a misconfigured trust anchor must not be half-applied.
 */
export function parseExternalIssuers(input: unknown): ExternalIssuer[] {
  const copy: unknown = structuredClone(input);
  if (!validateIssuers(copy)) {
    const paths = (validateIssuers.errors ?? []).map((e) => e.instancePath || '/');
    throw new Error(`invalid external issuers: ${[...new Set(paths)].join(', ')}`);
  }
  return copy as ExternalIssuer[]; // narrowed by the schema just above
}

export interface ExternalVerifyDeps {
  jwks: RemoteJwksCache;
  clockToleranceSec: number;
  now: () => Date;
  /** What the user's roles allow; the token's scopes are cut down to it (fail closed). */
  allowedScopesFor: (roles: readonly string[]) => string[];
}

/**
 * Verifies a token of an external issuer: signature by a key of its JWKS (unknown `kid` →
 * one rate-limited re-fetch), issuer, audience, exp/nbf with skew, algorithm allow-list.
 * Throws jose's error (callers log its `code` only) or a plain Error for a missing claim.
 */
export async function verifyExternalToken(
  issuer: ExternalIssuer,
  token: string,
  deps: ExternalVerifyDeps,
): Promise<AuthContext> {
  const { payload } = await jwtVerify(token, deps.jwks.keySetFor(issuer.jwksUri), {
    issuer: issuer.issuer,
    audience: issuer.audience,
    algorithms: issuer.algorithms,
    requiredClaims: ['exp', 'sub'],
    clockTolerance: deps.clockToleranceSec,
    currentDate: deps.now(),
  });
  const subject = payload.sub;
  const clientId =
    readStringClaim(payload, issuer.clientClaim) ?? readStringClaim(payload, 'client_id');
  if (!subject || !clientId) throw new Error('external token lacks subject or client');

  const roles = readStringList(payload, issuer.roleClaim) ?? [];
  const requested = readStringList(payload, issuer.scopeClaim) ?? [];
  const patient = readStringClaim(payload, 'patient');
  return {
    tokenId: payload.jti ?? `${issuer.issuer}#${subject}#${payload.iat ?? payload.exp}`,
    issuer: issuer.issuer,
    user: { id: subject, roles },
    clientId,
    scopes: intersectScopes(requested, deps.allowedScopesFor(roles)),
    ...(patient ? { patient } : {}),
  };
}

function readClaim(payload: JWTPayload, name: string): unknown {
  let value: unknown = payload;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part))
      return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function readStringClaim(payload: JWTPayload, name: string): string | undefined {
  const value = readClaim(payload, name);
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** A list claim, either an array of strings or one space-separated string (`scope`). */
function readStringList(payload: JWTPayload, name: string): string[] | undefined {
  const value = readClaim(payload, name);
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return undefined;
}
