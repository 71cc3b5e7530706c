import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bootstrapIfEmpty } from '../../src/auth/bootstrap.ts';
import { findClient } from '../../src/auth/clients.ts';
import { verifyPassword } from '../../src/auth/password-hash.ts';
import { findUserByEmail } from '../../src/auth/users.ts';
import { KeyRing } from '../../src/crypto/key-ring.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';

describe('bootstrapIfEmpty', () => {
  let database: TestDatabase;
  let dataDir: string;

  beforeEach(async () => {
    database = await openTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'ward-bootstrap-'));
  });
  afterEach(async () => {
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates one admin and one system client once, even when two processes race', async () => {
    const keyRing = await KeyRing.open(database.db, randomBytes(32));
    const otherDir = join(dataDir, 'other');

    const results = await Promise.all([
      bootstrapIfEmpty(database.db, keyRing, dataDir),
      bootstrapIfEmpty(database.db, keyRing, otherDir),
    ]);

    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await database.db.collection('users').countDocuments()).toBe(1);
    expect(await database.db.collection('clients').countDocuments()).toBe(1);
    expect(await bootstrapIfEmpty(database.db, keyRing, dataDir)).toBeUndefined();
  });

  it('writes working credentials to a 0600 file', async () => {
    const keyRing = await KeyRing.open(database.db, randomBytes(32));
    const path = (await bootstrapIfEmpty(database.db, keyRing, dataDir))!;
    const credentials = JSON.parse(await readFile(path, 'utf8'));
    const admin = await findUserByEmail(database.db, keyRing, credentials.admin.email);

    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(admin).toMatchObject({
      _id: credentials.admin.userId,
      roles: ['admin'],
      mfa: { enrolled: true },
    });
    expect(await verifyPassword(credentials.admin.password, admin!.passwordHash)).toBe(true);
    expect(credentials.admin.otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    const client = await findClient(database.db, credentials.systemClient.clientId);
    expect(client?.type).toBe('backend');
    expect(client?.jwks?.keys[0]).not.toHaveProperty('d');
    expect(credentials.systemClient.privateJwk).toHaveProperty('d');
  });
});
