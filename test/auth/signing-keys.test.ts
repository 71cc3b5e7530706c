import { decodeProtectedHeader } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SigningKeys } from '../../src/auth/signing-keys.ts';
import { openOAuthFixture, type OAuthFixture } from './oauth-fixture.ts';

describe('signing keys', () => {
  let fixture: OAuthFixture;

  beforeEach(async () => {
    fixture = await openOAuthFixture();
  });
  afterEach(async () => {
    await fixture.close();
  });

  const issue = () =>
    fixture.server.issuer.issueAccessToken({
      subject: 'svc',
      clientId: 'svc',
      scopes: ['system/Patient.rs'],
    });
  const read = (token: string) =>
    fixture.app.inject({ url: '/fhir/Patient', headers: { authorization: `Bearer ${token}` } });

  it('stores the private key encrypted, never as PEM or JWK', async () => {
    const docs = await fixture.database.db.collection('signing_keys').find({}).toArray();

    expect(docs).toHaveLength(1);
    const text = JSON.stringify(docs);
    expect(text).not.toContain('PRIVATE KEY');
    expect(docs[0]!.publicJwk.d).toBeUndefined();
  });

  it('publishes only public parts at /auth/jwks', async () => {
    const res = await fixture.app.inject({ url: '/auth/jwks' });

    expect(res.statusCode).toBe(200);
    const { keys } = res.json();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-384', alg: 'ES384', use: 'sig' });
    expect(keys[0].d).toBeUndefined();
  });

  it('keeps tokens signed before a rotation valid and signs new ones with the new kid', async () => {
    const before = await issue();
    const oldKid = decodeProtectedHeader(before.accessToken).kid;

    const newKid = await fixture.server.signingKeys.rotate();
    const after = await issue();

    expect(newKid).not.toBe(oldKid);
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(newKid);
    expect((await read(before.accessToken)).statusCode).toBe(200);
    expect((await read(after.accessToken)).statusCode).toBe(200);
    const kids = (await fixture.app.inject({ url: '/auth/jwks' }))
      .json()
      .keys.map((k: { kid: string }) => k.kid);
    expect(kids.sort()).toEqual([oldKid, newKid].sort());
  });

  it('verifies a token signed after another process rotated (unknown kid re-reads the keys)', async () => {
    const otherProcess = await SigningKeys.open(fixture.database.db, fixture.keyRing, {
      retirementGraceMs: 60_000,
      now: fixture.clock.now,
    });
    await otherProcess.rotate();
    const { kid, alg, key } = await otherProcess.signingKey();
    const { SignJWT } = await import('jose');
    const nowSec = Math.floor(fixture.clock.now().getTime() / 1000);
    const token = await new SignJWT({ client_id: 'svc', scope: 'system/Patient.rs' })
      .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
      .setIssuer(fixture.settings.issuer)
      .setAudience(fixture.settings.fhirBaseUrl)
      .setSubject('svc')
      .setJti('jti-other-process')
      .setIssuedAt(nowSec)
      .setExpirationTime(nowSec + 300)
      .sign(key);

    expect((await read(token)).statusCode).toBe(200);
  });

  it('stops publishing a retired key once its tokens have expired', async () => {
    const oldKid = (await fixture.server.signingKeys.signingKey()).kid;
    await fixture.server.signingKeys.rotate();

    fixture.clock.advanceMs(fixture.settings.accessTokenTtlMs + 5 * 60_000);
    const kids = (await fixture.app.inject({ url: '/auth/jwks' }))
      .json()
      .keys.map((k: { kid: string }) => k.kid);

    expect(kids).not.toContain(oldKid);
    expect(kids).toHaveLength(1);
  });

  it('creates exactly one first key when processes start together', async () => {
    await fixture.database.db.collection('signing_keys').deleteMany({});
    const options = { retirementGraceMs: 60_000 };

    const opened = await Promise.all(
      [1, 2, 3].map(() => SigningKeys.open(fixture.database.db, fixture.keyRing, options)),
    );

    const kids = await Promise.all(opened.map(async (keys) => (await keys.signingKey()).kid));
    expect(new Set(kids).size).toBe(1);
    expect(await fixture.database.db.collection('signing_keys').countDocuments()).toBe(1);
  });
});
