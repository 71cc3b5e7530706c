import Fastify, { type FastifyInstance } from 'fastify';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/auth/clients.ts';
import {
  assertionType,
  form,
  generateClientKey,
  openOAuthFixture,
  signAssertion,
  type ClientKey,
  type OAuthFixture,
} from './oauth-fixture.ts';

describe('POST /auth/token with client_credentials (SMART Backend Services)', () => {
  let fixture: OAuthFixture;
  let jwksServer: FastifyInstance | undefined;

  beforeEach(async () => {
    fixture = await openOAuthFixture();
  });
  afterEach(async () => {
    await jwksServer?.close();
    jwksServer = undefined;
    await fixture.close();
  });

  async function registerBackend(key: ClientKey, by: 'value' | 'url'): Promise<string> {
    let jwks: { jwks?: { keys: object[] }; jwksUri?: string } = { jwks: { keys: [key.publicJwk] } };
    if (by === 'url') {
      jwksServer = Fastify();
      jwksServer.get('/jwks.json', async () => ({ keys: [key.publicJwk] }));
      const address = await jwksServer.listen({ host: '127.0.0.1', port: 0 });
      jwks = { jwksUri: `${address}/jwks.json` };
    }
    const { client } = await createClient(fixture.database.db, {
      name: 'Test HIE partner',
      type: 'backend',
      allowedScopes: ['system/Patient.rs', 'system/Observation.rs'],
      ...jwks,
    });
    return client._id;
  }

  function requestToken(assertion: string, scope = 'system/Patient.rs system/Observation.rs') {
    return fixture.app.inject({
      method: 'POST',
      url: '/auth/token',
      ...form({
        grant_type: 'client_credentials',
        scope,
        client_assertion_type: assertionType,
        client_assertion: assertion,
      }),
    });
  }

  for (const alg of ['ES384', 'RS384'] as const) {
    for (const by of ['value', 'url'] as const) {
      it(`issues an access token for an ${alg} assertion with the JWKS by ${by}`, async () => {
        const key = await generateClientKey(alg);
        const clientId = await registerBackend(key, by);

        const res = await requestToken(await signAssertion(key, clientId, fixture.clock));

        expect(res.statusCode).toBe(200);
        expect(res.headers['cache-control']).toBe('no-store');
        const body = res.json();
        expect(body).toMatchObject({
          token_type: 'Bearer',
          scope: 'system/Patient.rs system/Observation.rs',
        });
        expect(body.expires_in).toBeGreaterThan(0);
        expect(body.expires_in).toBeLessThanOrEqual(900);
        expect(body.refresh_token).toBeUndefined();

        const claims = decodeJwt(body.access_token);
        expect(claims).toMatchObject({
          iss: 'https://ward.test/auth',
          aud: 'https://ward.test/fhir',
          sub: clientId,
          client_id: clientId,
        });
        expect(decodeProtectedHeader(body.access_token)).toMatchObject({
          alg: 'ES384',
          typ: 'at+jwt',
        });

        const read = await fixture.app.inject({
          url: '/fhir/Patient',
          headers: { authorization: `Bearer ${body.access_token}` },
        });
        expect(read.statusCode).toBe(200);
        expect(read.json().auth).toMatchObject({
          clientId,
          scopes: ['system/Patient.rs', 'system/Observation.rs'],
        });
        expect(read.json().auth.user).toBeUndefined();
      });
    }
  }

  it('grants only the requested scopes the client is registered for', async () => {
    const key = await generateClientKey('ES384');
    const clientId = await registerBackend(key, 'value');

    const res = await requestToken(
      await signAssertion(key, clientId, fixture.clock),
      'system/*.rs system/Patient.cruds',
    );

    expect(res.statusCode).toBe(200);
    expect(res.json().scope.split(' ').sort()).toEqual([
      'system/Observation.rs',
      'system/Patient.rs',
    ]);
  });

  it('answers invalid_scope when nothing requested can be granted', async () => {
    const key = await generateClientKey('ES384');
    const clientId = await registerBackend(key, 'value');

    const res = await requestToken(
      await signAssertion(key, clientId, fixture.clock),
      'system/Condition.rs',
    );

    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it('refuses a replayed assertion (same jti)', async () => {
    const key = await generateClientKey('ES384');
    const clientId = await registerBackend(key, 'value');
    const assertion = await signAssertion(key, clientId, fixture.clock);

    expect((await requestToken(assertion)).statusCode).toBe(200);
    const replay = await requestToken(assertion);

    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toMatchObject({ error: 'invalid_client' });
    expect(replay.headers['www-authenticate']).toMatch(/^Basic /);
  });

  describe('when the assertion is wrong', () => {
    const attacks: Array<
      [string, (key: ClientKey, other: ClientKey, id: string, f: OAuthFixture) => Promise<string>]
    > = [
      [
        'is signed by an unregistered key',
        (_key, other, id, f) => signAssertion(other, id, f.clock),
      ],
      [
        'names another audience',
        (key, _o, id, f) => signAssertion(key, id, f.clock, { aud: 'https://ward.test/fhir' }),
      ],
      [
        'lives longer than 5 minutes',
        (key, _o, id, f) => signAssertion(key, id, f.clock, { expInSec: 3600 }),
      ],
      ['has expired', (key, _o, id, f) => signAssertion(key, id, f.clock, { expInSec: -120 })],
      [
        'names an unknown client',
        (key, _o, _id, f) =>
          signAssertion(key, 'no-such-client', f.clock, { iss: 'no-such-client' }),
      ],
    ];
    for (const [name, sign] of attacks) {
      it(`answers invalid_client when it ${name}`, async () => {
        const key = await generateClientKey('ES384');
        const other = await generateClientKey('ES384');
        const clientId = await registerBackend(key, 'value');

        const res = await requestToken(await sign(key, other, clientId, fixture));

        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({
          error: 'invalid_client',
          error_description: 'client authentication failed',
        });
      });
    }
  });

  it('refuses client_credentials to a confidential app using its secret', async () => {
    const { client, secret } = await createClient(fixture.database.db, {
      name: 'Test app',
      type: 'confidential',
      redirectUris: ['https://app.test/cb'],
      allowedScopes: ['user/Patient.rs'],
    });
    const basic = Buffer.from(`${client._id}:${secret}`).toString('base64');

    const res = await fixture.app.inject({
      method: 'POST',
      url: '/auth/token',
      payload: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'user/Patient.rs',
      }).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${basic}`,
      },
    });

    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'unauthorized_client' });
  });

  it('answers unsupported_grant_type for a grant it does not implement', async () => {
    const res = await fixture.app.inject({
      method: 'POST',
      url: '/auth/token',
      ...form({ grant_type: 'password' }),
    });

    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });
});
