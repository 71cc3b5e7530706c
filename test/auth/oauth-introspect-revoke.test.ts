import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/auth/clients.ts';
import { form, openOAuthFixture, type OAuthFixture } from './oauth-fixture.ts';

describe('POST /auth/introspect and POST /auth/revoke', () => {
  let fixture: OAuthFixture;
  let basic: string;
  let clientId: string;

  beforeEach(async () => {
    fixture = await openOAuthFixture();
    const { client, secret } = await createClient(fixture.database.db, {
      name: 'Test resource server',
      type: 'confidential',
      redirectUris: ['https://rs.test/cb'],
      allowedScopes: ['user/Patient.rs'],
    });
    clientId = client._id;
    basic = `Basic ${Buffer.from(`${client._id}:${secret}`).toString('base64')}`;
  });
  afterEach(async () => {
    await fixture.close();
  });

  function post(url: string, fields: Record<string, string>, authorization = basic) {
    const body = form(fields);
    return fixture.app.inject({
      method: 'POST',
      url,
      payload: body.payload,
      headers: { ...body.headers, authorization },
    });
  }

  async function issue() {
    return fixture.server.issuer.issueAccessToken({
      subject: 'user-1',
      clientId,
      scopes: ['user/Patient.rs'],
      roles: ['physician'],
    });
  }

  it('reports a live access token as active with its claims', async () => {
    const { accessToken, jti } = await issue();

    const res = await post('/auth/introspect', { token: accessToken });

    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toMatchObject({
      active: true,
      scope: 'user/Patient.rs',
      client_id: clientId,
      sub: 'user-1',
      jti,
      token_type: 'Bearer',
    });
  });

  it('reports garbage and expired tokens as inactive, saying nothing more', async () => {
    const { accessToken } = await issue();
    fixture.clock.advanceMs(20 * 60_000);

    expect((await post('/auth/introspect', { token: accessToken })).json()).toEqual({
      active: false,
    });
    expect((await post('/auth/introspect', { token: 'garbage' })).json()).toEqual({
      active: false,
    });
  });

  it('refuses introspection to a caller with a wrong secret', async () => {
    const { accessToken } = await issue();
    const wrong = `Basic ${Buffer.from(`${clientId}:not-the-secret`).toString('base64')}`;

    const res = await post('/auth/introspect', { token: accessToken }, wrong);

    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Basic /);
    expect(res.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('revokes an access token so it no longer opens /fhir nor introspects as active', async () => {
    const { accessToken } = await issue();
    const before = await fixture.app.inject({
      url: '/fhir/Patient',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(before.statusCode).toBe(200);

    const res = await post('/auth/revoke', { token: accessToken, token_type_hint: 'access_token' });

    expect(res.statusCode).toBe(200);
    const after = await fixture.app.inject({
      url: '/fhir/Patient',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(after.statusCode).toBe(401);
    expect((await post('/auth/introspect', { token: accessToken })).json()).toEqual({
      active: false,
    });
    expect(fixture.events.map((e) => e.type)).toContain('token-revoked');
  });

  it('answers 200 for an unknown token and does not revoke another client’s token', async () => {
    const other = await fixture.server.issuer.issueAccessToken({
      subject: 'user-2',
      clientId: 'someone-else',
      scopes: ['user/Patient.rs'],
      roles: ['physician'],
    });

    expect((await post('/auth/revoke', { token: 'unknown' })).statusCode).toBe(200);
    expect((await post('/auth/revoke', { token: other.accessToken })).statusCode).toBe(200);

    const read = await fixture.app.inject({
      url: '/fhir/Patient',
      headers: { authorization: `Bearer ${other.accessToken}` },
    });
    expect(read.statusCode).toBe(200);
  });

  it('revokes a refresh token and reports it inactive afterwards', async () => {
    const refreshToken = await fixture.server.grants.start({
      clientId,
      userId: 'user-1',
      scopes: ['user/Patient.rs', 'offline_access'],
      isOffline: true,
    });
    const hint = { token_type_hint: 'refresh_token' };

    const active = await post('/auth/introspect', { token: refreshToken, ...hint });
    expect(active.json()).toMatchObject({
      active: true,
      client_id: clientId,
      token_type: 'refresh_token',
    });

    expect((await post('/auth/revoke', { token: refreshToken })).statusCode).toBe(200);

    const inactive = await post('/auth/introspect', { token: refreshToken, ...hint });
    expect(inactive.json()).toEqual({ active: false });
  });
});
