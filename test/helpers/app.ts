import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Db } from 'mongodb';
import { buildApp } from '../../src/app.ts';
import { deriveAuditKeys } from '../../src/audit/audit-keys.ts';
import { loadConfig } from '../../src/config/config.ts';
import { KeyRing } from '../../src/crypto/key-ring.ts';
import { openTestDatabase } from './database.ts';

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  keyRing: KeyRing;
  /** Mints an access token as Ward's own authorization server would. */
  token(grant?: TokenGrant): Promise<string>;
  /** Every log line the app wrote, raw JSON text. */
  logLines(): string[];
  close(): Promise<void>;
}

/**
 * A Ward app on a fresh database with a captured log stream; speak to it with `app.inject`.
 * Requests without an Authorization header carry a token of a backend client granted
 * `system/*.cruds` (pass `authorization: ''` to send none); `token()` mints others.
 */
export async function buildTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await openTestDatabase();
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const config = loadConfig({ LOG_LEVEL: 'info', ...env });
  const keyRing = await KeyRing.open(database.db, randomBytes(32));
  const app = await buildApp({
    config,
    db: database.db,
    keyRing,
    pageKey: randomBytes(32),
    auditKeys: deriveAuditKeys(randomBytes(32)),
    logStream,
  });
  await app.ready();
  const token = (grant: TokenGrant = {}) => mintToken(app, grant);
  const defaultToken = await token({ scopes: ['system/*.cruds'] });
  const inject = app.inject.bind(app);
  // Only requests that say nothing about credentials get the default token.
  app.inject = ((options: InjectOptions) => {
    const headers = { ...(options.headers ?? {}) } as Record<string, string>;
    if (!('authorization' in headers)) headers.authorization = `Bearer ${defaultToken}`;
    else if (headers.authorization === '') delete headers.authorization;
    return inject({ ...options, headers });
  }) as typeof app.inject;
  return {
    app,
    token,
    db: database.db,
    keyRing,
    logLines: () => [...lines],
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}

export const fhirJson = { 'content-type': 'application/fhir+json' };

export interface TokenGrant {
  scopes?: string[];
  clientId?: string;
  /** A human user behind the token: id, roles and FHIR reference. */
  user?: { id: string; roles: string[]; fhirUser?: string };
  /** Launch patient id (bare, as in the SMART token response). */
  patient?: string;
}

async function mintToken(app: FastifyInstance, grant: TokenGrant): Promise<string> {
  const issued = await app.wardAuthorization.server.issuer.issueAccessToken({
    subject: grant.user?.id ?? grant.clientId ?? 'test-backend',
    clientId: grant.clientId ?? 'test-backend',
    scopes: grant.scopes ?? [],
    ...(grant.patient ? { patient: grant.patient } : {}),
    ...(grant.user ? { roles: grant.user.roles, fhirUser: grant.user.fhirUser } : {}),
  });
  return issued.accessToken;
}
