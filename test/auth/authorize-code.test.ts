import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueAuthorizationCode, redeemAuthorizationCode } from '../../src/auth/authorize-code.ts';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { makePkce } from './login-fixture.ts';

const issuedAt = new Date(Date.UTC(2030, 0, 1, 10));
const grant = {
  clientId: 'app-1',
  redirectUri: 'https://app.example/cb',
  userId: 'user-1',
  scopes: ['patient/Observation.rs', 'launch/patient'],
  patient: 'pat-1',
  nonce: 'n-1',
  authTime: issuedAt,
};

describe('authorization codes', () => {
  let database: TestDatabase;

  beforeEach(async () => {
    database = await openTestDatabase();
  });
  afterEach(() => database.close());

  async function issue() {
    const pkce = makePkce();
    const code = await issueAuthorizationCode(
      database.db,
      { ...grant, codeChallenge: pkce.challenge },
      issuedAt,
    );
    const redemption = {
      code,
      codeVerifier: pkce.verifier,
      clientId: grant.clientId,
      redirectUri: grant.redirectUri,
      now: new Date(issuedAt.getTime() + 5000),
    };
    return { code, pkce, redemption };
  }

  it('redeems once with the right verifier and returns the grant', async () => {
    const { redemption } = await issue();

    expect(await redeemAuthorizationCode(database.db, redemption)).toEqual(grant);
    expect(await redeemAuthorizationCode(database.db, redemption)).toBeUndefined();
  });

  it('lets only one of two concurrent redemptions succeed', async () => {
    const { redemption } = await issue();
    const results = await Promise.all([
      redeemAuthorizationCode(database.db, redemption),
      redeemAuthorizationCode(database.db, redemption),
    ]);

    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('refuses a wrong verifier and spends the code doing so', async () => {
    const { redemption } = await issue();

    expect(
      await redeemAuthorizationCode(database.db, {
        ...redemption,
        codeVerifier: makePkce().verifier,
      }),
    ).toBeUndefined();
    expect(await redeemAuthorizationCode(database.db, redemption)).toBeUndefined();
  });

  it('refuses another client, another redirect URI, and an expired code', async () => {
    const a = await issue();
    const b = await issue();
    const c = await issue();

    expect(
      await redeemAuthorizationCode(database.db, { ...a.redemption, clientId: 'app-2' }),
    ).toBeUndefined();
    expect(
      await redeemAuthorizationCode(database.db, {
        ...b.redemption,
        redirectUri: 'https://app.example/other',
      }),
    ).toBeUndefined();
    const late = new Date(issuedAt.getTime() + 61_000);
    expect(
      await redeemAuthorizationCode(database.db, { ...c.redemption, now: late }),
    ).toBeUndefined();
  });

  it('stores only the hash of the code', async () => {
    const { code } = await issue();
    const stored = await database.db.collection('authorization_codes').find({}).toArray();

    expect(JSON.stringify(stored)).not.toContain(code);
  });
});
