import { createPublicKey, createSecretKey, type JsonWebKey } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseExternalIssuers, type ExternalIssuer } from '../../src/auth/external-idp.ts';
import { RemoteJwksCache } from '../../src/auth/jwks-remote.ts';
import { openOAuthFixture, type OAuthFixture } from './oauth-fixture.ts';

const idpIssuer = 'https://idp.test/realms/ward';

interface IdpKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function generateIdpKey(kid: string): Promise<IdpKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256' } };
}

describe('tokens from an external identity provider', () => {
  let fixture: OAuthFixture;
  let idp: FastifyInstance;
  let published: IdpKey[];
  let fetches: number;

  beforeEach(async () => {
    published = [await generateIdpKey('idp-key-1')];
    fetches = 0;
    idp = Fastify();
    idp.get('/certs', async () => {
      fetches += 1;
      return { keys: published.map((k) => k.publicJwk) };
    });
    const address = await idp.listen({ host: '127.0.0.1', port: 0 });
    const issuers = parseExternalIssuers([
      {
        issuer: idpIssuer,
        jwksUri: `${address}/certs`,
        audience: 'ward-api',
        algorithms: ['RS256'],
        roleClaim: 'realm_access.roles',
      },
    ]);
    // No cooldown, so a rotation at the IdP is picked up by the very next unknown kid.
    fixture = await openOAuthFixture({
      externalIssuers: issuers,
      jwks: new RemoteJwksCache({ cooldownMs: 0 }),
    });
  });
  afterEach(async () => {
    await fixture.close();
    await idp.close();
  });

  function sign(key: IdpKey, claims: Record<string, unknown> = {}, audience = 'ward-api') {
    const nowSec = Math.floor(fixture.clock.now().getTime() / 1000);
    return new SignJWT({
      azp: 'keycloak-app',
      scope: 'user/Patient.rs user/AuditEvent.rs',
      realm_access: { roles: ['physician'] },
      ...claims,
    })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setIssuer(idpIssuer)
      .setAudience(audience)
      .setSubject('idp-user-7')
      .setIssuedAt(nowSec)
      .setExpirationTime(nowSec + 300)
      .sign(key.privateKey);
  }

  const read = (token: string) =>
    fixture.app.inject({ url: '/fhir/Patient', headers: { authorization: `Bearer ${token}` } });

  it('accepts a valid token and cuts its scopes down to what the mapped role allows', async () => {
    const res = await read(await sign(published[0]!));

    expect(res.statusCode).toBe(200);
    expect(res.json().auth).toMatchObject({
      issuer: idpIssuer,
      clientId: 'keycloak-app',
      user: { id: 'idp-user-7', roles: ['physician'] },
      scopes: ['user/Patient.rs'],
    });
  });

  it('refuses a token for another audience or past its expiry', async () => {
    const wrongAudience = await sign(published[0]!, {}, 'another-api');
    const expired = await sign(published[0]!);
    expect((await read(wrongAudience)).statusCode).toBe(401);

    fixture.clock.advanceMs(10 * 60_000);
    expect((await read(expired)).statusCode).toBe(401);
  });

  it('re-fetches the JWKS for an unknown kid, then refuses keys the IdP does not publish', async () => {
    expect((await read(await sign(published[0]!))).statusCode).toBe(200);
    const rotated = await generateIdpKey('idp-key-2');
    published.push(rotated);

    expect((await read(await sign(rotated))).statusCode).toBe(200);
    expect(fetches).toBe(2);

    const rogue = await generateIdpKey('idp-key-rogue');
    expect((await read(await sign(rogue))).statusCode).toBe(401);
  });

  it('refuses an HS256 token keyed with the IdP public key', async () => {
    const pem = createPublicKey({
      key: published[0]!.publicJwk as JsonWebKey,
      format: 'jwk',
    }).export({
      type: 'spki',
      format: 'pem',
    });
    const nowSec = Math.floor(fixture.clock.now().getTime() / 1000);
    const token = await new SignJWT({
      azp: 'x',
      scope: 'user/Patient.rs',
      realm_access: { roles: ['physician'] },
    })
      .setProtectedHeader({ alg: 'HS256', kid: 'idp-key-1' })
      .setIssuer(idpIssuer)
      .setAudience('ward-api')
      .setSubject('idp-user-7')
      .setExpirationTime(nowSec + 300)
      .sign(createSecretKey(Buffer.from(pem)));

    expect((await read(token)).statusCode).toBe(401);
  });
});

describe('parseExternalIssuers', () => {
  const base = { issuer: idpIssuer, jwksUri: 'https://idp.test/certs', audience: 'ward-api' };

  it('refuses symmetric algorithms and none in the allow-list', () => {
    for (const alg of ['HS256', 'none']) {
      expect(() => parseExternalIssuers([{ ...base, algorithms: [alg] }])).toThrow(/algorithms/);
    }
  });

  it('refuses a JWKS over plain http to a remote host', () => {
    expect(() =>
      parseExternalIssuers([{ ...base, jwksUri: 'http://idp.test/certs', algorithms: ['RS256'] }]),
    ).toThrow(/jwksUri/);
  });

  it('fills in the default claim names', () => {
    const [issuer] = parseExternalIssuers([{ ...base, algorithms: ['ES256'] }]) as [ExternalIssuer];

    expect(issuer).toMatchObject({ roleClaim: 'roles', scopeClaim: 'scope', clientClaim: 'azp' });
  });
});
