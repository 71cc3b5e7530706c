import { createHmac, createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/auth/clients.ts';
import { TokenIssuer } from '../../src/auth/token-issuer.ts';
import {
  assertionType,
  generateClientKey,
  signAssertion,
  type ClientKey,
} from '../auth/oauth-fixture.ts';
import {
  readJson,
  seedPatientWithObservations,
  startLiveWard,
  type LiveWard,
} from './live-ward.ts';

const formType = { 'content-type': 'application/x-www-form-urlencoded' };
const clock = { now: () => new Date(), advanceMs: () => undefined };

describe('SMART Backend Services and token attacks against the live server', () => {
  let ward: LiveWard;
  let key: ClientKey;
  let patientId: string;

  beforeAll(async () => {
    ward = await startLiveWard();
    ({ patientId } = await seedPatientWithObservations(ward, 'Backend'));
    key = await generateClientKey('ES384');
    await createClient(ward.db, {
      clientId: 'hie-partner',
      name: 'HIE partner',
      type: 'backend',
      allowedScopes: ['system/Patient.rs'],
      jwks: { keys: [key.publicJwk] },
    });
  });
  afterAll(() => ward.close());

  const requestToken = (assertion: string, scope = 'system/Patient.rs') =>
    ward.send('/auth/token', {
      method: 'POST',
      headers: formType,
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope,
        client_assertion_type: assertionType,
        client_assertion: assertion,
      }).toString(),
    });

  const assertion = (jti?: string) =>
    signAssertion(key, 'hie-partner', clock, { aud: ward.tokenUrl, ...(jti ? { jti } : {}) });

  it('issues a token for a signed ES384 assertion that searches but cannot write or read Observation', async () => {
    const res = await requestToken(await assertion());
    expect(res.status).toBe(200);
    const token = (await readJson(res)).access_token as string;

    expect((await ward.send(`/fhir/Patient?_id=${patientId}`, { token })).status).toBe(200);
    const write = await ward.send('/fhir/Patient', {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient' }),
    });
    expect(write.status).toBe(403);
    expect((await ward.send(`/fhir/Observation?patient=${patientId}`, { token })).status).toBe(403);
  });

  it('refuses a replayed client assertion', async () => {
    const once = await assertion('jti-used-once');
    expect((await requestToken(once)).status).toBe(200);
    const again = await requestToken(once);
    expect(again.status).toBeGreaterThanOrEqual(400);
    expect((await readJson(again)).error).toBe('invalid_client');
  });

  it('grants no more than the client was registered for when it asks for more', async () => {
    const res = await requestToken(await assertion(), 'system/Patient.cruds');
    const body = await readJson(res);
    expect(String(body.scope ?? '')).not.toMatch(/system\/Patient\.c/);
    const write = await ward.send('/fhir/Patient', {
      method: 'POST',
      token: body.access_token as string,
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient' }),
    });
    expect(write.status).not.toBe(201);
  });

  describe('a /fhir request with a bad bearer token gets the same 401', () => {
    const validToken = () => ward.token({ scopes: ['system/Patient.rs'] });

    async function expectRefused(token: string) {
      const res = await ward.send(`/fhir/Patient/${patientId}`, { token });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('invalid_token');
      expect(await res.text()).not.toContain(patientId);
    }

    it('when the signature is forged', async () => {
      const [h, p, s] = (await validToken()).split('.');
      const flipped = s!.startsWith('A') ? `B${s!.slice(1)}` : `A${s!.slice(1)}`;
      await expectRefused(`${h}.${p}.${flipped}`);
    });

    it('when the token says alg none', async () => {
      const [, p] = (await validToken()).split('.');
      const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString(
        'base64url',
      );
      await expectRefused(`${none}.${p}.`);
    });

    it('when it is HMAC-signed with the server public key', async () => {
      const jwks = (await readJson(await ward.send('/auth/jwks'))) as { keys: object[] };
      const pem = createPublicKey({ key: jwks.keys[0] as never, format: 'jwk' })
        .export({ type: 'spki', format: 'pem' })
        .toString();
      const [h, p] = (await validToken()).split('.');
      const kid = (JSON.parse(Buffer.from(h!, 'base64url').toString()) as { kid: string }).kid;
      const hs = Buffer.from(JSON.stringify({ alg: 'HS256', kid, typ: 'at+jwt' })).toString(
        'base64url',
      );
      const signature = createHmac('sha256', pem).update(`${hs}.${p}`).digest('base64url');
      await expectRefused(`${hs}.${p}.${signature}`);
    });

    it('when it has expired', async () => {
      const { signingKeys, settings } = ward.app.wardAuthorization.server;
      const past = new TokenIssuer(signingKeys, settings, () => new Date(Date.now() - 3_600_000));
      const issued = await past.issueAccessToken({
        subject: 's',
        clientId: 'c',
        scopes: ['system/Patient.rs'],
      });
      await expectRefused(issued.accessToken);
    });

    it('when it was issued for another audience', async () => {
      const { signingKeys, settings } = ward.app.wardAuthorization.server;
      const elsewhere = { ...settings, fhirBaseUrl: 'https://other.example.test/fhir' };
      const issued = await new TokenIssuer(signingKeys, elsewhere).issueAccessToken({
        subject: 's',
        clientId: 'c',
        scopes: ['system/Patient.rs'],
      });
      await expectRefused(issued.accessToken);
    });
  });
});
