import { hkdfSync } from 'node:crypto';
import { MongoClient } from 'mongodb';
import pino from 'pino';
import { buildApp } from './app.ts';
import { loadConfig } from './config/config.ts';
import type { Config } from './config/config.ts';
import { KeyRing } from './crypto/key-ring.ts';
import { loadMasterKey } from './crypto/master-key.ts';
import { detectCapabilities } from './db/capabilities.ts';
import { startDatabaseEngine } from './db/engine.ts';
import type { DatabaseEngine } from './db/engine.ts';
import { checkBindPolicy } from './http/bind-policy.ts';
import { loadTlsOptions } from './http/tls.ts';

/**
 * Start-up: configuration, bind policy, master key, database, key ring, TLS, listen; then wait
 * for SIGTERM or SIGINT and shut down in order. Any failure before listening stops the process
 * with one line on stderr.
 */
async function main(): Promise<void> {
  const config = readConfigOrExit();
  const log = pino({ level: config.logLevel });
  // Until SMART authorization lands there is no authentication: loopback only.
  checkBindPolicy(config, { hasAuthentication: false });

  const masterKey = await loadMasterKey({
    configuredKey: config.masterKey,
    dataDir: config.dataDir,
    allowKeyFile: !config.mongodbUri,
  });
  log.info({ source: masterKey.source }, 'master key loaded');

  const engine = await startDatabaseEngine({
    mongodbUri: config.mongodbUri,
    dataDir: config.dataDir,
    persistent: true,
    log,
  });
  log.info({ engine: engine.kind, reason: engine.reason }, 'database engine ready');
  const client = await connect(engine, config);

  try {
    const capabilities = await detectCapabilities(client);
    log.info({ ...capabilities }, 'database capabilities detected');

    const db = client.db(config.mongodbDbName);
    const keyRing = await KeyRing.open(db, masterKey.key);
    const https = await loadTlsOptions(config);
    const app = await buildApp({ config, db, keyRing, pageKey: derivePageKey(masterKey.key), https });
    await app.ready();
    await app.listen({ port: config.port, host: config.host });
    registerShutdown(async () => {
      await app.close();
      await client.close();
      await engine.stop();
    }, log);
  } catch (err) {
    await client.close().catch(() => undefined);
    await engine.stop().catch(() => undefined);
    throw err;
  }
}

function readConfigOrExit(): Readonly<Config> {
  try {
    return loadConfig(process.env);
  } catch (err) {
    process.stderr.write(`ward: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

async function connect(engine: DatabaseEngine, config: Config): Promise<MongoClient> {
  const client = new MongoClient(engine.uri, { appName: 'ward', serverSelectionTimeoutMS: 10_000 });
  try {
    await client.connect();
    await client.db(config.mongodbDbName).command({ ping: 1 });
    return client;
  } catch (err) {
    await engine.stop();
    throw new Error('the database did not answer', { cause: err });
  }
}

/** Paging tokens must verify in every process behind a load balancer: derive from the master key. */
function derivePageKey(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'ward/page-token/v1', 32));
}

function registerShutdown(stop: () => Promise<void>, log: pino.Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.error({ type: (err as Error).name }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err: unknown) => {
  // One line: our own errors carry a clear message; others get their type only.
  const message = err instanceof Error ? err.message : 'unexpected failure';
  process.stderr.write(`ward: start-up failed: ${message}\n`);
  process.exit(1);
});
