import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, inject } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { KeyRing } from '../../src/crypto/key-ring.ts';
import { deriveAuditKeys } from '../../src/audit/audit-keys.ts';
import { AuditWriter } from '../../src/audit/audit-writer.ts';
import { sampleReadEvent } from './audit-fixtures.ts';

const run = promisify(execFile);
let database: TestDatabase;

beforeEach(async () => {
  database = await openTestDatabase();
});
afterEach(() => database.close());

async function verifyCommand(masterKey: Buffer): Promise<{ code: number; stdout: string }> {
  // Not the whole environment: vitest sets BASE_URL, which Ward's configuration also reads.
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    MONGODB_URI: inject('mongodbUri'),
    MONGODB_DB: database.db.databaseName,
    FHIR_MASTER_KEY: masterKey.toString('base64'),
  };
  try {
    const { stdout } = await run('npx', ['tsx', 'scripts/audit-verify.ts'], { env });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describe('npm run audit:verify', () => {
  it('exits 0 on an intact trail and 1 naming the position of a removed event', async () => {
    const masterKey = randomBytes(32);
    const keyRing = await KeyRing.open(database.db, masterKey);
    const writer = new AuditWriter({
      db: database.db,
      cipher: keyRing,
      indexer: () => ({ search: [], compartments: [] }),
      keys: deriveAuditKeys(masterKey),
      log: { warn: () => undefined, error: () => undefined },
    });
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) ids.push(await writer.record(sampleReadEvent(n)));
    await writer.close();

    const intact = await verifyCommand(masterKey);
    expect(intact.code).toBe(0);
    expect(intact.stdout).toContain('audit trail intact');

    await database.db.collection('resources').deleteOne({ id: ids[1] });
    const tampered = await verifyCommand(masterKey);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain(`REMOVED resources ${writer.writerId}/2`);
  }, 60_000);
});
