import type { FastifyInstance } from 'fastify';
import type { Db } from 'mongodb';
import type { Config } from '../config/config.ts';
import type { KeyRing } from '../crypto/key-ring.ts';
import { parseExternalIssuers } from './external-idp.ts';
import type { RecordSecurityEvent } from './login-events.ts';
import { registerLoginRoutes } from './login-routes.ts';
import { openAuthorizationServer } from './oauth-server.ts';
import type { AuthorizationServer, TokenEvent } from './oauth-server.ts';
import { registerOAuthRoutes } from './oauth-routes.ts';
import { resolveOAuthSettings } from './oauth-settings.ts';
import { createAccessPolicy } from './policy.ts';
import type { AccessPolicy } from './policy.ts';
import { allowedScopesFor, readRoleConfigFile } from './roles.ts';
import { registerAuthentication } from './authenticate.ts';
import { registerBreakGlassRoute, type RecordBreakGlassEvent } from './break-glass-route.ts';
import { loadRegisteredOrigins, registerCors } from './cors.ts';
import { readFileSync } from 'node:fs';

export interface AuthorizationDeps {
  app: FastifyInstance;
  config: Config;
  db: Db;
  keyRing: KeyRing;
  isHttps: boolean;
  patientExists: (id: string) => Promise<boolean>;
  recordTokenEvent?: (event: TokenEvent) => Promise<void>;
  recordSecurityEvent?: RecordSecurityEvent;
  /**
   * Benchmarks only (AppDeps.isAuthOffForBenchmark): skip bearer-token verification and treat
   * every /fhir request as a backend client holding `system/*.cruds`, to measure what
   * verification costs. Never reachable from configuration.
   */
  isAuthOffForBenchmark?: boolean;
  /** Audits emergency-access attempts; without it `/auth/break-glass` refuses (fail closed). */
  recordBreakGlassEvent?: RecordBreakGlassEvent;
  now?: () => Date;
}

export interface Authorization {
  server: AuthorizationServer;
  policy: AccessPolicy;
}

/**
 * SMART on FHIR for Ward: the role file, the access policy, the built-in authorization server
 * (tokens, login, MFA, consent) and the bearer check on every `/fhir` request. Throws (start-up
 * stops) when the role file, the external issuers or the signing keys cannot be loaded.
 */
export async function registerAuthorization(deps: AuthorizationDeps): Promise<Authorization> {
  const { app, config, db, keyRing } = deps;
  const roleConfig = readRoleConfigFile(config.rolesFile);
  const rolesAllow = (roles: readonly string[]) => allowedScopesFor(roleConfig, roles);
  const fhirBaseUrl = fhirBaseUrlOf(config, deps.isHttps);

  const server = await openAuthorizationServer({
    db,
    keyRing,
    settings: resolveOAuthSettings({ fhirBaseUrl }),
    allowedScopesFor: rolesAllow,
    externalIssuers: readExternalIssuers(config),
    recordTokenEvent: deps.recordTokenEvent,
    now: deps.now,
  });
  // Before the bearer check: a CORS preflight carries no token.
  registerCors(app, { loadOrigins: () => loadRegisteredOrigins(db) });
  await registerOAuthRoutes(app, server, { hasAuthorizationCode: true });
  await registerLoginRoutes(app, {
    db,
    keyRing,
    fhirBaseUrl,
    isHttps: deps.isHttps,
    allowedScopesFor: rolesAllow,
    patientExists: deps.patientExists,
    recordSecurityEvent: deps.recordSecurityEvent ?? (async () => undefined),
    sessionPolicy: { idleTimeoutMs: 15 * 60_000, isSingleSession: config.singleSession },
    now: deps.now,
  });
  if (deps.isAuthOffForBenchmark) {
    app.addHook('onRequest', async (request) => {
      request.auth = { tokenId: 'benchmark', issuer: 'benchmark', clientId: 'benchmark', scopes: ['system/*.cruds'] };
    });
  } else {
    registerAuthentication(app, { verifier: server.verifier });
  }
  await registerBreakGlassRoute(app, {
    db,
    keyRing,
    server,
    policy: roleConfig.breakGlass,
    recordEvent: deps.recordBreakGlassEvent,
  });
  const policy = createAccessPolicy(roleConfig, { now: deps.now, baseUrl: fhirBaseUrl });
  return { server, policy };
}

/** The FHIR base URL tokens are issued for: `BASE_URL`, else where this process listens. */
export function fhirBaseUrlOf(config: Config, isHttps: boolean): string {
  if (config.baseUrl) return config.baseUrl;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return `${isHttps ? 'https' : 'http'}://${host}:${config.port}/fhir`;
}

function readExternalIssuers(config: Config) {
  const text = config.externalIdpsFile ? readFileSync(config.externalIdpsFile, 'utf8') : config.externalIdps;
  if (!text) return [];
  try {
    return parseExternalIssuers(JSON.parse(text));
  } catch (err) {
    throw new Error('invalid configuration: EXTERNAL_IDPS', { cause: err });
  }
}
