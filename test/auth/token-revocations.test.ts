import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenRevocations } from '../../src/auth/token-revocations.ts';
import { openTestDatabase } from '../helpers/database.ts';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database.close();
});

describe('TokenRevocations', () => {
  it('applies a revocation made in this process at once', async () => {
    const revocations = new TokenRevocations(database.db);
    expect(await revocations.isRevoked('jti-local')).toBe(false);
    await revocations.revoke('jti-local', new Date(Date.now() + 60_000));
    expect(await revocations.isRevoked('jti-local')).toBe(true);
  });

  it('applies a revocation made in another process once its short cache has passed', async () => {
    let clock = 1_000_000;
    const here = new TokenRevocations(database.db, () => clock);
    const elsewhere = new TokenRevocations(database.db);
    expect(await here.isRevoked('jti-remote')).toBe(false);

    await elsewhere.revoke('jti-remote', new Date(Date.now() + 60_000));
    clock += 1000;
    expect(await here.isRevoked('jti-remote')).toBe(false);
    clock += 1500;
    expect(await here.isRevoked('jti-remote')).toBe(true);
  });
});
