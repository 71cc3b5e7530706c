import { createHash, randomBytes } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issueAuthorizationCode } from '../../src/auth/authorize-code.ts';
import { createClient } from '../../src/auth/clients.ts';
import { createUser, getUsers } from '../../src/auth/users.ts';
import { form, openOAuthFixture, type OAuthFixture } from './oauth-fixture.ts';

const redirectUri = 'https://app.test/callback';
const appScopes = [
  'patient/Observation.rs',
  'patient/Patient.rs',
  'openid',
  'fhirUser',
  'launch/patient',
  'offline_access',
  'online_access',
];

describe('POST /auth/token for a user (authorization_code and refresh_token)', () => {
  let fixture: OAuthFixture;
  let clientId: string;
  let userId: string;

  beforeEach(async () => {
    fixture = await openOAuthFixture();
    const { client } = await createClient(fixture.database.db, {
      name: 'Test SMART app',
      type: 'public',
      redirectUris: [redirectUri],
      allowedScopes: appScopes,
    });
    clientId = client._id;
    userId = await createUser(fixture.database.db, fixture.keyRing, {
      email: 'test.patient@example.test',
      password: 'correct horse battery staple',
      roles: ['patient'],
      fhirUser: 'Patient/pt-test-1',
    });
  });
  afterEach(async () => {
    await fixture.close();
  });

  /** A code as S2b's authorize endpoint would issue it after login and consent. */
  async function obtainCode(scopes: string[]): Promise<{ code: string; verifier: string }> {
    const verifier = randomBytes(32).toString('base64url');
    const code = await issueAuthorizationCode(
      fixture.database.db,
      {
        clientId,
        redirectUri,
        userId,
        fhirUser: 'Patient/pt-test-1',
        scopes,
        patient: 'pt-test-1',
        nonce: 'nonce-test-1',
        authTime: fixture.clock.now(),
        codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
      },
      fixture.clock.now(),
    );
    return { code, verifier };
  }

  function redeem(code: string, verifier: string) {
    return fixture.app.inject({
      method: 'POST',
      url: '/auth/token',
      ...form({
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: redirectUri,
        client_id: clientId,
      }),
    });
  }

  function refresh(refreshToken: string, extra: Record<string, string> = {}) {
    return fixture.app.inject({
      method: 'POST',
      url: '/auth/token',
      ...form({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: clientId,
        ...extra,
      }),
    });
  }

  async function firstTokens(scopes = appScopes) {
    const { code, verifier } = await obtainCode(scopes);
    const res = await redeem(code, verifier);
    expect(res.statusCode).toBe(200);
    return res.json();
  }

  it('issues an access token with launch context, a refresh token and a signed id_token', async () => {
    const body = await firstTokens();

    expect(body).toMatchObject({ token_type: 'Bearer', patient: 'pt-test-1' });
    expect(body.scope.split(' ')).toEqual(
      expect.arrayContaining(['patient/Observation.rs', 'openid']),
    );
    expect(typeof body.refresh_token).toBe('string');
    expect(decodeJwt(body.access_token)).toMatchObject({
      sub: userId,
      roles: ['patient'],
      client_id: clientId,
    });

    const jwks = (await fixture.app.inject({ url: '/auth/jwks' })).json();
    const { payload } = await jwtVerify(body.id_token, createLocalJWKSet(jwks), {
      issuer: 'https://ward.test/auth',
      audience: clientId,
      currentDate: fixture.clock.now(),
    });
    expect(payload).toMatchObject({
      sub: userId,
      nonce: 'nonce-test-1',
      fhirUser: 'Patient/pt-test-1',
    });
  });

  it('refuses a code redeemed twice or with the wrong verifier', async () => {
    const { code, verifier } = await obtainCode(appScopes);
    expect((await redeem(code, verifier)).statusCode).toBe(200);
    expect((await redeem(code, verifier)).json()).toMatchObject({ error: 'invalid_grant' });

    const other = await obtainCode(appScopes);
    const wrong = await redeem(other.code, randomBytes(32).toString('base64url'));
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('rotates the refresh token on use', async () => {
    const first = await firstTokens();

    const res = await refresh(first.refresh_token);

    expect(res.statusCode).toBe(200);
    const second = res.json();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.id_token).toBeUndefined();
    const read = await fixture.app.inject({
      url: '/fhir/Patient',
      headers: { authorization: `Bearer ${second.access_token}` },
    });
    expect(read.json().auth).toMatchObject({
      clientId,
      patient: 'pt-test-1',
      user: { id: userId },
    });
  });

  it('revokes the whole family when an old refresh token is used again', async () => {
    const first = await firstTokens();
    const second = (await refresh(first.refresh_token)).json();

    const reuse = await refresh(first.refresh_token);
    const next = await refresh(second.refresh_token);

    expect(reuse.json()).toMatchObject({ error: 'invalid_grant' });
    expect(next.statusCode).toBe(400);
    expect(next.json()).toMatchObject({ error: 'invalid_grant' });
    expect(fixture.events.map((e) => e.type)).toContain('refresh-token-reused');
  });

  it('refuses a refresh that asks for more than was granted, and keeps the token usable', async () => {
    const first = await firstTokens();

    const escalate = await refresh(first.refresh_token, { scope: 'patient/Observation.cruds' });
    const narrower = await refresh(first.refresh_token, { scope: 'patient/Observation.rs' });

    expect(escalate.statusCode).toBe(400);
    expect(escalate.json()).toMatchObject({ error: 'invalid_scope' });
    expect(narrower.statusCode).toBe(200);
    expect(narrower.json().scope).toBe('patient/Observation.rs');
  });

  it('lets an online_access refresh token lapse after 15 idle minutes', async () => {
    const first = await firstTokens(appScopes.filter((s) => s !== 'offline_access'));

    fixture.clock.advanceMs(16 * 60_000);
    const res = await refresh(first.refresh_token);

    expect(res.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('keeps an offline_access refresh token past the online idle limit', async () => {
    const first = await firstTokens();

    fixture.clock.advanceMs(16 * 60_000);

    expect((await refresh(first.refresh_token)).statusCode).toBe(200);
  });

  it('refuses to refresh for a disabled user', async () => {
    const first = await firstTokens();
    await getUsers(fixture.database.db).updateOne({ _id: userId }, { $set: { disabled: true } });

    expect((await refresh(first.refresh_token)).json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a refresh token presented by another client', async () => {
    const first = await firstTokens();
    const { client: other } = await createClient(fixture.database.db, {
      name: 'Other test app',
      type: 'public',
      redirectUris: [redirectUri],
      allowedScopes: appScopes,
    });

    const res = await refresh(first.refresh_token, { client_id: other._id });

    expect(res.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a confidential client that presents no secret', async () => {
    const { client } = await createClient(fixture.database.db, {
      name: 'Confidential test app',
      type: 'confidential',
      redirectUris: [redirectUri],
      allowedScopes: appScopes,
    });
    const res = await fixture.app.inject({
      method: 'POST',
      url: '/auth/token',
      ...form({ grant_type: 'refresh_token', refresh_token: 'x', client_id: client._id }),
    });

    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: 'invalid_client' });
  });
});
