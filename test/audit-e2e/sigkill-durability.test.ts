import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { deriveAuditKeys } from '../../src/audit/audit-keys.ts';
import { loadConfig } from '../../src/config/config.ts';
import { KeyRing } from '../../src/crypto/key-ring.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { requestIdOf } from './audit-reader.ts';
import type { AuditEvent, Bundle } from 'fhir/r4';

const wardScript = fileURLToPath(new URL('./ward-process.ts', import.meta.url));
const baseUrl = 'http://127.0.0.1/fhir';
/** Bounds: the load stops at whichever comes first; the kill lands while requests are open. */
const killAfterAcknowledged = 60;
const killAfterMs = 4000;
const workers = 8;

let child: ChildProcess | undefined;
let database: TestDatabase | undefined;
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await database?.close();
});

interface Acknowledged {
  id: string;
  requestId: string;
}

function startWard(env: NodeJS.ProcessEnv): Promise<{ port: number; token: string }> {
  child = spawn(process.execPath, ['--import', 'tsx', wardScript], {
    env,
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const started = child;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('Ward did not start')), 60_000);
    started.once('exit', () => reject(new Error('Ward exited before listening')));
    createInterface({ input: started.stdout! }).on('line', (line) => {
      if (!line.startsWith('ward-ready ')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line.slice('ward-ready '.length)));
    });
  });
}

/** Creates Patients from `workers` loops until the server stops answering. */
async function fireCreates(port: number, token: string, acknowledged: Acknowledged[]) {
  const body = JSON.stringify({ resourceType: 'Patient', gender: 'other', active: true });
  const loop = async () => {
    for (;;) {
      let res: Response;
      try {
        res = await fetch(`http://127.0.0.1:${port}/fhir/Patient`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
          body,
        });
      } catch {
        return; // the server is gone
      }
      const text = await res.text().catch(() => '');
      if (res.status >= 200 && res.status < 300) {
        const requestId = res.headers.get('x-request-id') ?? '';
        acknowledged.push({ id: (JSON.parse(text) as { id: string }).id, requestId });
      }
    }
  };
  return Promise.all(Array.from({ length: workers }, loop));
}

describe('SIGKILL while requests are in flight', () => {
  it('every acknowledged create has its AuditEvent', { timeout: 120_000 }, async () => {
    database = await openTestDatabase();
    const masterKey = randomBytes(32);
    const env = {
      PATH: process.env.PATH,
      MONGODB_URI: inject('mongodbUri'),
      MONGODB_DB: database.db.databaseName,
      FHIR_MASTER_KEY: masterKey.toString('base64'),
      BASE_URL: baseUrl,
      LOG_LEVEL: 'warn',
    };
    const { port, token } = await startWard(env);
    const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));

    const acknowledged: Acknowledged[] = [];
    const load = fireCreates(port, token, acknowledged);
    const started = Date.now();
    while (acknowledged.length < killAfterAcknowledged && Date.now() - started < killAfterMs) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child!.kill('SIGKILL');
    await exited;
    await load;
    expect(acknowledged.length).toBeGreaterThan(0);

    // Read the trail back with a fresh Ward on the same database and master key.
    const config = loadConfig({ BASE_URL: baseUrl, LOG_LEVEL: 'warn' });
    const db = database.db;
    const app = await buildApp({
      config,
      db,
      keyRing: await KeyRing.open(db, masterKey),
      pageKey: randomBytes(32),
      auditKeys: deriveAuditKeys(masterKey),
      logStream: { write: () => true } as unknown as NodeJS.WritableStream,
    });
    try {
      const { accessToken } = await app.wardAuthorization.server.issuer.issueAccessToken({
        subject: 'verifier',
        clientId: 'verifier',
        scopes: ['system/AuditEvent.rs'],
      });
      const res = await app.inject({
        method: 'GET',
        url: '/fhir/AuditEvent?subtype=create&outcome=0&_count=1000',
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(res.statusCode).toBe(200);
      const events = (res.json<Bundle<AuditEvent>>().entry ?? []).map((e) => e.resource!);
      const byRequest = new Map(events.map((e) => [requestIdOf(e), e]));
      const missing = acknowledged.filter(({ id, requestId }) => {
        const references = byRequest.get(requestId)?.entity?.map((x) => x.what?.reference);
        return !references?.includes(`Patient/${id}/_history/1`);
      });
      expect(missing).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
