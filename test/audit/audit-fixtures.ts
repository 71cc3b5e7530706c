import { randomBytes } from 'node:crypto';
import type { Db } from 'mongodb';
import { KeyRing } from '../../src/crypto/key-ring.ts';
import { createResourceIndexer } from '../../src/search/resource-indexer.ts';
import type { ResourceIndexer } from '../../src/store/resource-store.ts';
import { deriveAuditKeys, type AuditKeys } from '../../src/audit/audit-keys.ts';
import { AuditWriter, type AuditWriterOptions } from '../../src/audit/audit-writer.ts';
import { buildRestAuditEvent, type RestAuditInput } from '../../src/audit/rest-audit-event.ts';

export const server = { observer: 'ward-test-1', site: 'test-site' };

export interface AuditFixture {
  keyRing: KeyRing;
  keys: AuditKeys;
  indexer: ResourceIndexer;
  logs: Array<{ level: string; fields: Record<string, unknown>; message: string }>;
  log: AuditWriterOptions['log'];
  newWriter(options?: Partial<AuditWriterOptions>): AuditWriter;
}

/** Keys, indexer and a capturing logger over a test database, as the app would wire them. */
export async function openAuditFixture(db: Db): Promise<AuditFixture> {
  const masterKey = randomBytes(32);
  const keyRing = await KeyRing.open(db, masterKey);
  const keys = deriveAuditKeys(masterKey);
  const indexer: ResourceIndexer = createResourceIndexer(keyRing.blindIndex);
  const logs: AuditFixture['logs'] = [];
  const log = {
    warn: (fields: Record<string, unknown>, message: string) =>
      logs.push({ level: 'warn', fields, message }),
    error: (fields: Record<string, unknown>, message: string) =>
      logs.push({ level: 'error', fields, message }),
  };
  return {
    keyRing,
    keys,
    indexer,
    logs,
    log,
    newWriter: (options = {}) =>
      new AuditWriter({ db, cipher: keyRing, indexer, keys, log, ...options }),
  };
}

/** A read of Observation/<n> disclosing Patient/<patient>, by a synthetic physician. */
export function sampleReadEvent(
  n: number,
  patient = 'p1',
  overrides: Partial<RestAuditInput> = {},
) {
  return buildRestAuditEvent({
    interaction: 'read',
    outcome: { status: 200 },
    recorded: new Date('2025-03-04T10:00:00Z'),
    auth: {
      tokenId: `tok-${n}`,
      issuer: 'https://ward.test',
      user: { id: 'u-doc', roles: ['physician'], fhirUser: 'Practitioner/pr1' },
      clientId: 'app-1',
      scopes: ['user/Observation.rs'],
    },
    network: { address: '192.0.2.10' },
    resource: { type: 'Observation', id: `obs-${n}`, versionId: 1 },
    patients: [`Patient/${patient}`],
    requestId: `req-${n}`,
    server,
    ...overrides,
  });
}
