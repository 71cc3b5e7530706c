import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Db } from 'mongodb';
import { createClient } from '../../src/auth/clients.ts';
import type { SecurityEvent } from '../../src/auth/login-events.ts';
import { registerLoginRoutes } from '../../src/auth/login-routes.ts';
import type { LoginDeps } from '../../src/auth/login-context.ts';
import { allowedScopesFor, readRoleConfigFile } from '../../src/auth/roles.ts';
import { computeTotp, toTotpStep } from '../../src/auth/totp.ts';
import { decodeBase32 } from '../../src/auth/totp-base32.ts';
import { enrolMfa } from '../../src/auth/users-admin.ts';
import { createUser, ensureUserIndexes } from '../../src/auth/users.ts';
import { KeyRing } from '../../src/crypto/key-ring.ts';
import { registerSecurityHeaders } from '../../src/http/security-headers.ts';
import { openTestDatabase } from '../helpers/database.ts';

export const fhirBaseUrl = 'http://127.0.0.1:8080/fhir';
export const testRedirectUri = 'http://127.0.0.1:9/callback';
export const testPassword = 'correct horse battery staple';

export interface LoginFixture {
  app: FastifyInstance;
  db: Db;
  keyRing: KeyRing;
  events: SecurityEvent[];
  logLines(): string[];
  clock: { now: Date };
  close(): Promise<void>;
}

/** A bare Fastify app with the security headers and the login routes on a fresh database. */
export async function buildLoginFixture(overrides: Partial<LoginDeps> = {}): Promise<LoginFixture> {
  const database = await openTestDatabase();
  const keyRing = await KeyRing.open(database.db, randomBytes(32));
  await ensureUserIndexes(database.db);
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const app = Fastify({ logger: { level: 'info', stream } });
  registerSecurityHeaders(app, { isHttps: false });

  const events: SecurityEvent[] = [];
  const clock = { now: new Date('2030-01-01T10:00:00Z') };
  const roles = readRoleConfigFile();
  await registerLoginRoutes(app, {
    db: database.db,
    keyRing,
    fhirBaseUrl,
    isHttps: false,
    allowedScopesFor: (userRoles) => allowedScopesFor(roles, userRoles),
    patientExists: async (id) => id.startsWith('pat-'),
    recordSecurityEvent: async (event) => {
      events.push(event);
    },
    now: () => clock.now,
    ...overrides,
  });
  await app.ready();
  await createClient(database.db, {
    clientId: 'test-app',
    name: 'Test App',
    type: 'public',
    redirectUris: [testRedirectUri],
    allowedScopes: ['launch/patient', 'openid', 'fhirUser', 'patient/*.rs', 'user/*.rs'],
  });
  return {
    app,
    db: database.db,
    keyRing,
    events,
    logLines: () => [...lines],
    clock,
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

/** A user with an enrolled TOTP secret; returns its id and a code generator. */
export async function createMfaUser(
  fixture: LoginFixture,
  input: { email: string; roles: string[]; fhirUser?: string },
): Promise<{ id: string; codeAt(date: Date): string }> {
  const id = await createUser(fixture.db, fixture.keyRing, { ...input, password: testPassword });
  const uri = await enrolMfa(fixture.db, fixture.keyRing, id);
  const secret = decodeBase32(new URL(uri).searchParams.get('secret')!)!;
  return { id, codeAt: (date) => computeTotp(secret, toTotpStep(date.getTime())) };
}

/** A PKCE pair (RFC 7636 §4.1–4.2). */
export function makePkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function buildAuthorizeQuery(params: Record<string, string | undefined>): string {
  const defaults: Record<string, string> = {
    response_type: 'code',
    client_id: 'test-app',
    redirect_uri: testRedirectUri,
    scope: 'launch/patient patient/Observation.rs openid fhirUser',
    state: 'st-123',
    aud: fhirBaseUrl,
    code_challenge_method: 'S256',
  };
  const merged = { ...defaults, ...params };
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(merged)) if (value !== undefined) query.set(key, value);
  return query.toString();
}

/** Cookies a browser would keep, from Set-Cookie answers. */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  store(setCookie: string | string[] | undefined): void {
    for (const line of [setCookie ?? []].flat()) {
      const [pair] = line.split(';');
      const [name, value] = pair!.split('=');
      if (line.includes('Max-Age=0')) this.#cookies.delete(name!);
      else this.#cookies.set(name!, value!);
    }
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** Reads a hidden field's value out of a rendered form. */
export function readHiddenField(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!match) throw new Error(`no hidden field ${name}`);
  return match[1]!;
}

export const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
