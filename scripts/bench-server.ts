/**
 * One server under load for `npm run bench`, in its own process so that its CPU time is its own:
 *
 *   tsx scripts/bench-server.ts ward|ward-unaudited|ward-unauthenticated|baseline
 *
 * Started by `bench.ts` with `fork`. Reads MONGODB_URI, MONGODB_DB and (for Ward) FHIR_MASTER_KEY
 * and LOG_LEVEL from the environment, listens on an OS-chosen loopback port, reports it over IPC,
 * then answers `sample` with `process.cpuUsage()` and its request count until `stop`.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair } from 'jose';
import { MongoClient, type Db } from 'mongodb';
import { buildApp } from '../src/app.ts';
import { deriveAuditKeys } from '../src/audit/audit-keys.ts';
import { createClient } from '../src/auth/clients.ts';
import { describeEndpoints } from '../src/auth/oauth-settings.ts';
import { loadConfig } from '../src/config/config.ts';
import { KeyRing } from '../src/crypto/key-ring.ts';
import { baselineBasePath, buildBaselineApp } from './bench-baseline-app.ts';
import { isParentMessage, isServerKind } from './bench-ipc.ts';
import type { ChildMessage, ServerKind, ServerSample, WardCredentials } from './bench-ipc.ts';

const host = '127.0.0.1';
const idlePollMs = 10;
const idleWaitMs = 30_000;

interface Running {
  app: FastifyInstance;
  client: MongoClient;
  basePath: string;
  credentials?: WardCredentials;
}

async function main(): Promise<void> {
  const kind = process.argv[2];
  if (!process.send) throw new Error('bench-server must be started by bench.ts (no IPC channel)');
  if (!isServerKind(kind)) throw new Error('usage: bench-server.ts ward|ward-unaudited|ward-unauthenticated|baseline');

  const running = await startServer(kind);
  const counter = countRequests(running.app);
  await running.app.listen({ port: 0, host });
  const address = running.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP port');

  process.on('message', (message: unknown) => {
    if (!isParentMessage(message)) return;
    if (message.kind === 'sample') {
      void sampleWhenIdle(counter).then((sample) => send({ kind: 'sample', sample }));
      return;
    }
    void stop(running, counter);
  });
  // The parent went away (even by SIGKILL): do not outlive it.
  process.on('disconnect', () => void stop(running, counter));
  const { credentials } = running;
  send({ kind: 'ready', port: address.port, basePath: running.basePath, credentials });
}

interface RequestCounter {
  handled: number;
  inFlight: number;
}

/**
 * Counts requests with two root hooks added the same way to both servers. A request stays in
 * flight until its handler has produced the reply (`onSend`), even when the client hung up
 * first: the load generator cuts connections when a run ends, and their handlers still work on.
 */
function countRequests(app: FastifyInstance): RequestCounter {
  const counter = { handled: 0, inFlight: 0 };
  const done = new WeakSet<object>();
  app.addHook('onRequest', (_request, _reply, next) => {
    counter.handled += 1;
    counter.inFlight += 1;
    next();
  });
  app.addHook('onSend', (request, _reply, payload, next) => {
    if (!done.has(request)) {
      done.add(request);
      counter.inFlight -= 1;
    }
    next(null, payload);
  });
  return counter;
}

/**
 * The CPU sample is taken once no request is in flight, so the requests counted between two
 * samples are exactly those whose whole work lies between them.
 */
async function sampleWhenIdle(counter: RequestCounter): Promise<ServerSample> {
  await waitUntilIdle(counter);
  // The last replies are still being written; let that finish inside the window.
  await delay(idlePollMs);
  const { user, system } = process.cpuUsage();
  return { userMicros: user, systemMicros: system, requests: counter.handled };
}

async function waitUntilIdle(counter: RequestCounter): Promise<void> {
  const deadline = Date.now() + idleWaitMs;
  while (counter.inFlight > 0 && Date.now() < deadline) await delay(idlePollMs);
}

async function startServer(kind: ServerKind): Promise<Running> {
  const config = loadConfig(process.env);
  if (!config.mongodbUri) throw new Error('MONGODB_URI is required');
  const client = new MongoClient(config.mongodbUri, { appName: `bench-${kind}` });
  await client.connect();
  const db = client.db(config.mongodbDbName);

  if (kind === 'baseline') return { app: buildBaselineApp(db), client, basePath: baselineBasePath };

  if (!config.masterKey) throw new Error('FHIR_MASTER_KEY is required');
  const keyRing = await KeyRing.open(db, config.masterKey);
  // Paging links are not exercised here; any key will do.
  const auditKeys = deriveAuditKeys(config.masterKey);
  const isAuditOffForBenchmark = kind === 'ward-unaudited';
  const isAuthOffForBenchmark = kind === 'ward-unauthenticated';
  const deps = {
    config,
    db,
    keyRing,
    pageKey: randomBytes(32),
    auditKeys,
    isAuditOffForBenchmark,
    isAuthOffForBenchmark,
  };
  const app = await buildApp(deps);
  return { app, client, basePath: '/fhir', credentials: await issueCredentials(app, db) };
}

/**
 * Every /fhir request needs a bearer token: the child mints one with its own issuer. The
 * token-endpoint scenario needs a registered backend client; its key pair is made here and the
 * private half goes to the parent over IPC, which signs the client assertions ahead of time.
 */
async function issueCredentials(app: FastifyInstance, db: Db): Promise<WardCredentials> {
  const server = app.wardAuthorization.server;
  const { accessToken } = await server.issuer.issueAccessToken({
    subject: 'bench-backend',
    clientId: 'bench-backend',
    scopes: ['system/*.cruds'],
  });
  const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
  const kid = 'bench-key';
  const { client } = await createClient(db, {
    name: 'Bench backend',
    type: 'backend',
    allowedScopes: ['system/Patient.rs'],
    jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES384' }] },
  });
  return {
    accessToken,
    clientId: client._id,
    tokenUrl: describeEndpoints(server.settings).token,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'ES384' },
  };
}

let stopping: Promise<void> | undefined;

function stop(running: Running, counter: RequestCounter): Promise<void> {
  stopping ??= (async () => {
    await running.app.close();
    // Handlers of requests whose client already left must not lose their database mid-call.
    await waitUntilIdle(counter);
    await running.client.close();
    process.exit(0);
  })();
  return stopping;
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : 'unexpected failure';
  send({ kind: 'failed', message });
  process.exit(1);
});
