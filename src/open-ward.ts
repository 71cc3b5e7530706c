import { hkdfSync } from 'node:crypto';
import { MongoClient } from 'mongodb';
import type { Db } from 'mongodb';
import { deriveAuditKeys } from './audit/audit-keys.ts';
import type { AuditKeys } from './audit/audit-keys.ts';
import type { Config } from './config/config.ts';
import { KeyRing } from './crypto/key-ring.ts';
import { loadMasterKey } from './crypto/master-key.ts';
import { detectCapabilities } from './db/capabilities.ts';
import type { DatabaseCapabilities } from './db/capabilities.ts';
import { startDatabaseEngine } from './db/engine.ts';
import type { DatabaseEngine, EngineLog } from './db/engine.ts';

/** What the server and the operator commands share: the database, its keys, and how to let go. */
export interface OpenWard {
  engine: DatabaseEngine;
  client: MongoClient;
  db: Db;
  masterKey: Buffer;
  keyRing: KeyRing;
  capabilities: DatabaseCapabilities;
  /** HMAC/AES key for page tokens, the same in every process. */
  pageKey: Buffer;
  auditKeys: AuditKeys;
  close(): Promise<void>;
}

/**
 * Start-up shared by `npm start` and the operator scripts (reindex, admin, audit:verify): master
 * key, database engine, connection, capabilities, key ring. On failure everything started is
 * stopped again before the error propagates.
 */
export async function openWard(config: Config, log: EngineLog): Promise<OpenWard> {
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

  const client = new MongoClient(engine.uri, { appName: 'ward', serverSelectionTimeoutMS: 10_000 });
  const close = async () => {
    await client.close().catch(() => undefined);
    await engine.stop().catch(() => undefined);
  };
  try {
    await client.connect();
    const db = client.db(config.mongodbDbName);
    await db.command({ ping: 1 });
    const capabilities = await detectCapabilities(client);
    log.info({ ...capabilities }, 'database capabilities detected');
    const keyRing = await KeyRing.open(db, masterKey.key);
    const pageKey = Buffer.from(hkdfSync('sha256', masterKey.key, Buffer.alloc(0), 'ward/page-token/v1', 32));
    const auditKeys = deriveAuditKeys(masterKey.key);
    return { engine, client, db, masterKey: masterKey.key, keyRing, capabilities, pageKey, auditKeys, close };
  } catch (err) {
    await close();
    throw err;
  }
}
