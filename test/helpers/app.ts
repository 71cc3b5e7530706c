import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Db } from 'mongodb';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { KeyRing } from '../../src/crypto/key-ring.ts';
import { openTestDatabase } from './database.ts';

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  keyRing: KeyRing;
  /** Every log line the app wrote, raw JSON text. */
  logLines(): string[];
  close(): Promise<void>;
}

/** A Ward app on a fresh database with a captured log stream; speak to it with `app.inject`. */
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
    logStream,
  });
  await app.ready();
  return {
    app,
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
