import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAdminCommand, type AdminDeps } from '../../src/auth/admin-commands.ts';
import { findClient } from '../../src/auth/clients.ts';
import { resolveOAuthSettings } from '../../src/auth/oauth-settings.ts';
import { verifyPassword } from '../../src/auth/password-hash.ts';
import { readRoleConfigFile } from '../../src/auth/roles.ts';
import { SessionStore } from '../../src/auth/session-store.ts';
import { findUserById } from '../../src/auth/users.ts';
import { KeyRing } from '../../src/crypto/key-ring.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';

describe('admin commands', () => {
  let database: TestDatabase;
  let dir: string;
  let deps: AdminDeps;
  let printed: string[];

  beforeEach(async () => {
    database = await openTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'ward-admin-'));
    printed = [];
    deps = {
      db: database.db,
      keyRing: await KeyRing.open(database.db, randomBytes(32)),
      roles: readRoleConfigFile(),
      oauthSettings: resolveOAuthSettings({ fhirBaseUrl: 'http://127.0.0.1:8080/fhir' }),
      promptPassword: async () => 'prompted password 123',
      print: (line) => printed.push(line),
    };
  });
  afterEach(async () => {
    await database.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a user from a password file, prints only the id, and manages roles and MFA', async () => {
    const passwordFile = join(dir, 'pw');
    await writeFile(passwordFile, 'file password 1234\n');
    await runAdminCommand(
      [
        'create-user',
        '--email',
        'doc@example.invalid',
        '--role',
        'physician',
        '--password-file',
        passwordFile,
      ],
      deps,
    );
    const id = printed[0]!;
    expect(printed.join('\n')).not.toContain('file password');

    await runAdminCommand(['assign-role', id, 'nurse'], deps);
    await runAdminCommand(['enrol-mfa', id], deps);
    const user = (await findUserById(database.db, id))!;
    expect(user.roles).toEqual(['physician', 'nurse']);
    expect(await verifyPassword('file password 1234', user.passwordHash)).toBe(true);
    expect(printed[2]).toMatch(/^otpauth:\/\/totp\/Ward:/);
    expect(user.mfa.enrolled).toBe(true);

    await runAdminCommand(['reset-mfa', id], deps);
    expect((await findUserById(database.db, id))!.mfa).toEqual({ enrolled: false });
  });

  it('refuses unknown roles and bad usage', async () => {
    await expect(
      runAdminCommand(['create-user', '--email', 'x@example.invalid', '--role', 'superuser'], deps),
    ).rejects.toThrow(/unknown role/);
    await expect(runAdminCommand(['assign-role', 'only-one-arg'], deps)).rejects.toThrow(/usage/);
    await expect(runAdminCommand(['no-such-command'], deps)).rejects.toThrow(/usage/);
  });

  it("disables a user and ends the user's open sessions", async () => {
    await runAdminCommand(
      ['create-user', '--email', 'gone@example.invalid', '--role', 'billing'],
      deps,
    );
    const id = printed[0]!;
    const { token } = await new SessionStore(database.db).start(id, new Date());

    await runAdminCommand(['disable-user', id], deps);

    expect((await findUserById(database.db, id))!.disabled).toBe(true);
    expect((await new SessionStore(database.db).resume(token, new Date())).status).toBe('none');
  });

  it('creates and disables a client, and rotates both keys', async () => {
    await runAdminCommand(
      [
        'create-client',
        '--name',
        'App',
        '--type',
        'confidential',
        '--scope',
        'user/Patient.rs',
        '--redirect-uri',
        'https://app.example/cb',
      ],
      deps,
    );
    const clientId = printed[0]!.replace('client_id ', '');
    expect(printed[1]).toMatch(/^client_secret \S+/);
    expect(await findClient(database.db, clientId)).toBeDefined();

    await runAdminCommand(['disable-client', clientId], deps);
    expect(await findClient(database.db, clientId)).toBeUndefined();

    await runAdminCommand(['rotate-keys'], deps);
    expect(printed.at(-1)).toMatch(/^data key d-\S+; signing key \S+$/);
  });
});
