import type { Db } from 'mongodb';
import type { Config } from '../config/config.ts';
import type { KeyRing } from '../crypto/key-ring.ts';
import type { ResourceIndexer } from '../store/resource-store.ts';
import { AlertWebhook } from './alert-webhook.ts';
import type { AuditKeys } from './audit-keys.ts';
import type { AuditLogger } from './audit-logger.ts';
import type { AuditServer } from './audit-parts.ts';
import { AuditTrail } from './audit-trail.ts';
import { AuditWriter } from './audit-writer.ts';
import { BreachDetector } from './breach-detector.ts';

export interface Audit {
  trail: AuditTrail;
  server: AuditServer;
  /** Waits for background rule checks, then writes what is pending and a final checkpoint. */
  close(): Promise<void>;
}

/** The audit pipeline of one process: durable writer, breach rules, optional alert webhook. */
export async function openAudit(deps: {
  config: Config;
  db: Db;
  keyRing: KeyRing;
  auditKeys: AuditKeys;
  indexer: ResourceIndexer;
  log: AuditLogger;
}): Promise<Audit> {
  const { config, db, keyRing, log } = deps;
  const writer = new AuditWriter({
    db,
    cipher: keyRing,
    indexer: deps.indexer,
    keys: deps.auditKeys,
    log,
    batchWindowMs: config.audit.batchWindowMs,
  });
  const detector = new BreachDetector(db, keyRing.blindIndex, {
    failedLogins: { threshold: config.audit.failedLoginsPerHour, windowMs: 3_600_000 },
    recordsAccessed: { threshold: config.audit.recordsPerHour, windowMs: 3_600_000 },
    businessHours: config.audit.businessHours,
    newAddress: true,
    privilegeChange: true,
  });
  await detector.createIndexes();
  const webhook = config.audit.alertWebhookUrl
    ? new AlertWebhook({ url: config.audit.alertWebhookUrl }, log)
    : undefined;
  const server = { observer: config.audit.observer, site: config.audit.site };
  const trail = new AuditTrail({ writer, server, log, detector, webhook });
  return {
    trail,
    server,
    close: async () => {
      await trail.settle();
      await writer.close();
    },
  };
}
