import { createPublicKey, createSecretKey, randomBytes } from 'node:crypto';
import { generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openOAuthFixture, type OAuthFixture } from './oauth-fixture.ts';

const marker = 'Qzxvbrmt';

describe('bearer token verification on /fhir', () => {
  let fixture: OAuthFixture;

  beforeEach(async () => {
    fixture = await openOAuthFixture();
  });
  afterEach(async () => {
    await fixture.close();
  });

  function issue(overrides: { patient?: string } = {}) {
    return fixture.server.issuer.issueAccessToken({
      subject: 'user-1',
      clientId: 'app-1',
      scopes: ['patient/Observation.rs'],
      roles: ['patient'],
      patient: overrides.patient ?? `Patient/${marker}`,
    });
  }

  /** Claims a genuine Ward token would carry, for forging variants. */
  function genuineClaims(nowSec: number) {
    return {
      iss: fixture.settings.issuer,
      aud: fixture.settings.fhirBaseUrl,
      sub: 'user-1',
      client_id: 'app-1',
      scope: 'user/*.cruds',
      roles: ['admin'],
      jti: randomBytes(8).toString('hex'),
      iat: nowSec,
      exp: nowSec + 300,
    };
  }

  function read(token: string | undefined) {
    return fixture.app.inject({
      url: '/fhir/Patient',
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
  }

  it('lets a valid token through and attaches what it grants', async () => {
    const { accessToken, jti } = await issue();

    const res = await read(accessToken);

    expect(res.statusCode).toBe(200);
    expect(res.json().auth).toEqual({
      tokenId: jti,
      issuer: 'https://ward.test/auth',
      user: { id: 'user-1', roles: ['patient'] },
      clientId: 'app-1',
      scopes: ['patient/Observation.rs'],
      patient: `Patient/${marker}`,
    });
  });

  describe('when a token it accepted before is sent again', () => {
    it('refuses it once it has expired', async () => {
      const { accessToken } = await issue();
      expect((await read(accessToken)).statusCode).toBe(200);

      fixture.clock.advanceMs(16 * 60_000);

      expect((await read(accessToken)).statusCode).toBe(401);
    });

    it('refuses it at once when it is revoked', async () => {
      const { accessToken, jti } = await issue();
      expect((await read(accessToken)).statusCode).toBe(200);

      await fixture.server.revocations.revoke(jti, new Date(Date.now() + 600_000));

      expect((await read(accessToken)).statusCode).toBe(401);
    });

    it('checks the signature again after a minute, and still accepts a valid token', async () => {
      const { accessToken } = await issue();
      expect((await read(accessToken)).statusCode).toBe(200);

      fixture.clock.advanceMs(61_000);

      expect((await read(accessToken)).statusCode).toBe(200);
    });

    it('does not accept a token that differs from the verified one in any character', async () => {
      const { accessToken } = await issue();
      expect((await read(accessToken)).statusCode).toBe(200);
      const last = accessToken.at(-1) === 'A' ? 'B' : 'A';

      expect((await read(`${accessToken.slice(0, -1)}${last}`)).statusCode).toBe(401);
    });
  });

  it('answers 401 without an error code when no token is sent', async () => {
    const res = await read(undefined);

    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="ward"');
    expect(res.json().issue[0].code).toBe('login');
  });

  it('leaves the discovery documents public', async () => {
    expect((await fixture.app.inject({ url: '/fhir/metadata' })).statusCode).toBe(200);
    const smart = await fixture.app.inject({ url: '/fhir/.well-known/smart-configuration' });
    expect(smart.statusCode).toBe(200);
  });

  it('accepts a token made the way the attack variants are made, but left genuine', async () => {
    const res = await read(await signWithWardKey(fixture, {}));

    expect(res.statusCode).toBe(200);
    expect(res.json().auth.user).toEqual({ id: 'user-1', roles: ['admin'] });
  });

  describe('when the token is an attack or stale', () => {
    const attacks: Array<[string, (f: OAuthFixture) => Promise<string>]> = [
      [
        'has a forged signature (claims changed after signing)',
        async (f) => {
          const [header, , signature] = (await issueFor(f)).split('.');
          const payload = Buffer.from(JSON.stringify(genuineClaimsFor(f))).toString('base64url');
          return `${header}.${payload}.${signature}`;
        },
      ],
      ['uses alg none', async (f) => new UnsecuredJWT(genuineClaimsFor(f)).encode()],
      [
        'is HS256-signed with the published public key as the secret',
        async (f) => {
          const jwks = await f.server.signingKeys.publicJwks();
          const pem = createPublicKey({ key: jwks.keys[0]!, format: 'jwk' }).export({
            type: 'spki',
            format: 'pem',
          });
          const { kid } = jwks.keys[0]!;
          return new SignJWT(genuineClaimsFor(f))
            .setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' })
            .sign(createSecretKey(Buffer.from(pem)));
        },
      ],
      [
        'is signed by a key Ward never had (unknown kid)',
        async (f) => {
          const { privateKey } = await generateKeyPair('ES384');
          return new SignJWT(genuineClaimsFor(f))
            .setProtectedHeader({ alg: 'ES384', kid: 'not-ours', typ: 'at+jwt' })
            .sign(privateKey);
        },
      ],
      [
        'has expired',
        async (f) => {
          const token = await issueFor(f);
          f.clock.advanceMs(16 * 60_000);
          return token;
        },
      ],
      [
        'is not yet valid',
        async (f) => {
          f.clock.advanceMs(10 * 60_000);
          const token = await issueFor(f);
          f.clock.advanceMs(-10 * 60_000);
          return token;
        },
      ],
      ['names another audience', (f) => signWithWardKey(f, { aud: 'https://elsewhere.test/fhir' })],
      ['names another issuer', (f) => signWithWardKey(f, { iss: 'https://evil.test/auth' })],
      ['is an id_token (wrong typ)', (f) => signWithWardKey(f, {}, 'JWT')],
      [
        'was revoked',
        async (f) => {
          const issued = await issueFor(f);
          const { jti } = JSON.parse(Buffer.from(issued.split('.')[1]!, 'base64url').toString());
          await f.server.revocations.revoke(jti, new Date(Date.now() + 600_000));
          return issued;
        },
      ],
      ['is not a JWT at all', async () => 'not.a.jwt'],
    ];

    for (const [name, make] of attacks) {
      it(`answers the same 401 when it ${name}`, async () => {
        const token = await make(fixture);

        const res = await read(token);

        expect(res.statusCode).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Bearer realm="ward", error="invalid_token"');
        expect(res.json()).toEqual({
          resourceType: 'OperationOutcome',
          issue: [
            { severity: 'error', code: 'login', diagnostics: 'a valid bearer token is required' },
          ],
        });
        expect(fixture.logLines().join('\n')).not.toContain(marker);
      });
    }
  });

  async function issueFor(f: OAuthFixture): Promise<string> {
    return (
      await f.server.issuer.issueAccessToken({
        subject: 'user-1',
        clientId: 'app-1',
        scopes: ['patient/Observation.rs'],
        roles: ['patient'],
        patient: `Patient/${marker}`,
      })
    ).accessToken;
  }

  function genuineClaimsFor(f: OAuthFixture) {
    return {
      ...genuineClaims(Math.floor(f.clock.now().getTime() / 1000)),
      patient: `Patient/${marker}`,
    };
  }

  /** Signed with Ward's real active key: only the named claims or `typ` differ from genuine. */
  async function signWithWardKey(
    f: OAuthFixture,
    overrides: Record<string, unknown>,
    typ = 'at+jwt',
  ): Promise<string> {
    const { kid, alg, key } = await f.server.signingKeys.signingKey();
    return new SignJWT({ ...genuineClaimsFor(f), ...overrides })
      .setProtectedHeader({ alg, kid, typ })
      .sign(key);
  }
});
