import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { KeyRing } from '../../src/crypto/key-ring.ts';
import { registerErrorHandling } from '../../src/http/error-handler.ts';
import { logSerializers } from '../../src/http/logging.ts';
import { registerAuthentication } from '../../src/auth/authenticate.ts';
import type { ExternalIssuer } from '../../src/auth/external-idp.ts';
import type { RemoteJwksCache } from '../../src/auth/jwks-remote.ts';
import { registerOAuthRoutes } from '../../src/auth/oauth-routes.ts';
import {
  openAuthorizationServer,
  type AuthorizationServer,
  type TokenEvent,
} from '../../src/auth/oauth-server.ts';
import { resolveOAuthSettings, type OAuthSettings } from '../../src/auth/oauth-settings.ts';
import { allowedScopesFor, readRoleConfigFile } from '../../src/auth/roles.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';

export const fhirBaseUrl = 'https://ward.test/fhir';
export const tokenUrl = 'https://ward.test/auth/token';

/** A settable clock: every part of the server reads time through it. */
export interface TestClock {
  now: () => Date;
  advanceMs(ms: number): void;
}

export interface OAuthFixture {
  app: FastifyInstance;
  server: AuthorizationServer;
  database: TestDatabase;
  keyRing: KeyRing;
  settings: OAuthSettings;
  clock: TestClock;
  events: TokenEvent[];
  logLines(): string[];
  close(): Promise<void>;
}

/**
 * The OAuth routes and the authentication hook on a bare Fastify app with Ward's error
 * handling, over a fresh database. `/fhir/Patient` echoes `request.auth` so tests can see what
 * the hook let through; `/fhir/metadata` stands for the public CapabilityStatement.
 */
export async function openOAuthFixture(
  options: {
    externalIssuers?: ExternalIssuer[];
    settings?: Partial<OAuthSettings>;
    jwks?: RemoteJwksCache;
  } = {},
): Promise<OAuthFixture> {
  const database = await openTestDatabase();
  const keyRing = await KeyRing.open(database.db, randomBytes(32));
  const settings = resolveOAuthSettings({ fhirBaseUrl, ...options.settings });
  const clock = createClock();
  const roles = readRoleConfigFile();
  const events: TokenEvent[] = [];
  const server = await openAuthorizationServer({
    db: database.db,
    keyRing,
    settings,
    allowedScopesFor: (names) => allowedScopesFor(roles, names),
    scopesSupported: ['openid', 'fhirUser', 'launch/patient', 'offline_access'],
    externalIssuers: options.externalIssuers ?? [],
    ...(options.jwks ? { jwks: options.jwks } : {}),
    recordTokenEvent: async (event) => void events.push(event),
    now: clock.now,
  });

  const lines: string[] = [];
  const app = Fastify({
    logger: { level: 'info', serializers: logSerializers, stream: captureInto(lines) },
  });
  registerErrorHandling(app);
  registerAuthentication(app, { verifier: server.verifier });
  await registerOAuthRoutes(app, server, { hasAuthorizationCode: true });
  app.get('/fhir/Patient', async (request) => ({ auth: request.auth }));
  app.get('/fhir/metadata', async () => ({ resourceType: 'CapabilityStatement' }));
  await app.ready();

  return {
    app,
    server,
    database,
    keyRing,
    settings,
    clock,
    events,
    logLines: () => [...lines],
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

function createClock(): TestClock {
  let ms = Date.now();
  return { now: () => new Date(ms), advanceMs: (delta) => void (ms += delta) };
}

function captureInto(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
}

/** A client's key pair and its public JWK (with `kid` and `alg`). */
export interface ClientKey {
  alg: 'ES384' | 'RS384';
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function generateClientKey(alg: 'ES384' | 'RS384'): Promise<ClientKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomBytes(6).toString('hex');
  return { alg, kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

/** A SMART Backend Services client assertion; `overrides` replace claims for attack tests. */
export async function signAssertion(
  key: ClientKey,
  clientId: string,
  clock: TestClock,
  overrides: { aud?: string; expInSec?: number; jti?: string; iss?: string } = {},
): Promise<string> {
  const nowSec = Math.floor(clock.now().getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(overrides.iss ?? clientId)
    .setSubject(clientId)
    .setAudience(overrides.aud ?? tokenUrl)
    .setExpirationTime(nowSec + (overrides.expInSec ?? 240))
    .setJti(overrides.jti ?? randomBytes(12).toString('hex'))
    .sign(key.privateKey);
}

/** A form-encoded POST body. */
export function form(fields: Record<string, string>): {
  payload: string;
  headers: Record<string, string>;
} {
  return {
    payload: new URLSearchParams(fields).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  };
}

export const assertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
