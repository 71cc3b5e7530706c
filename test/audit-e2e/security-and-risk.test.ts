import { randomBytes } from 'node:crypto';
import type { AuditEvent } from 'fhir/r4';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCollectionNames } from '../../src/audit/audit-documents.ts';
import type { FindingDocument } from '../../src/audit/breach-detector.ts';
import { createClient } from '../../src/auth/clients.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { decodedQuery, searchAuditEvents } from './audit-reader.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ BASE_URL: 'https://ward.test/fhir' });
});
afterAll(() => t.close());

const clientIdOf = (e: AuditEvent) =>
  e.agent.find((a) => a.who?.identifier?.system === 'urn:ward:client')?.who?.identifier?.value;

describe('authorization-server events', () => {
  it('a client_credentials grant with private_key_jwt leaves a token-issued AuditEvent', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
    const kid = 'k1';
    const { client } = await createClient(t.db, {
      name: 'Audit e2e backend',
      type: 'backend',
      allowedScopes: ['system/Patient.rs'],
      jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES384' }] },
    });
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES384', kid, typ: 'JWT' })
      .setIssuer(client._id)
      .setSubject(client._id)
      .setAudience('https://ward.test/auth/token')
      .setExpirationTime('4m')
      .setJti(randomBytes(12).toString('hex'))
      .sign(privateKey);
    const grant = (clientAssertion: string) =>
      t.app.inject({
        method: 'POST',
        url: '/auth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: '' },
        payload: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: 'system/Patient.rs',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: clientAssertion,
        }).toString(),
      });

    expect((await grant(assertion)).statusCode).toBe(200);
    // The same assertion again is a replay: refused, and audited as a failed authentication.
    expect((await grant(assertion)).statusCode).toBe(401);

    const events = await searchAuditEvents(t, 'type=110114&_count=500');
    const issued = events.filter((e) => clientIdOf(e) === client._id);
    expect(issued.map((e) => e.outcome)).toEqual(['0']);
    expect(issued[0]!.subtype?.some((c) => c.code === 'token-issued')).toBe(true);
    // The refusal cannot name an authenticated client, but it is in the trail as a failure.
    const refused = events.filter((e) => e.outcome === '4');
    expect(refused).toHaveLength(1);
    expect(refused[0]!.subtype?.some((c) => c.code === 'token-issued')).toBe(true);
  });
});

describe('GET /admin/users/:id/risk', () => {
  const subject = 'u-risky';
  beforeAll(async () => {
    const findings = t.db.collection<FindingDocument>(auditCollectionNames.findings);
    await findings.insertMany([
      {
        _id: 'f-1',
        rule: 'failed-logins',
        severity: 'medium',
        user: subject,
        at: new Date(Date.now() - 3_600_000),
        description: 'failed logins above the hourly threshold',
      },
      {
        _id: 'f-2',
        rule: 'bulk-access',
        severity: 'high',
        user: subject,
        at: new Date(Date.now() - 60_000),
        description: 'records returned above the hourly threshold',
      },
    ]);
  });

  const ask = (authorization: string) =>
    t.app.inject({
      method: 'GET',
      url: `/admin/users/${subject}/risk`,
      headers: { authorization },
    });
  const userToken = (roles: string[]) =>
    t.token({ scopes: ['openid'], user: { id: `u-${roles.join('-')}`, roles } });

  it.each([['admin'], ['compliance']])(
    'answers a %s user with score, level and findings',
    async (role) => {
      const res = await ask(`Bearer ${await userToken([role])}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ userId: subject, score: 75, level: 'critical' });
      expect(body.recommendedAction).toMatch(/suspend/);
      expect(body.findings.map((f: { id: string }) => f.id)).toEqual(['f-2', 'f-1']);
    },
  );

  it('refuses clinicians and backend clients (403), and callers without a valid token (401)', async () => {
    expect((await ask(`Bearer ${await userToken(['physician'])}`)).statusCode).toBe(403);
    const system = await t.token({ scopes: ['system/*.cruds', 'user/AuditEvent.rs'] });
    expect((await ask(`Bearer ${system}`)).statusCode).toBe(403);
    const none = await t.app.inject({
      method: 'GET',
      url: `/admin/users/${subject}/risk`,
      headers: { authorization: '' },
    });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="ward"');
    expect((await ask('Bearer forged.token.value')).statusCode).toBe(401);
  });

  it('audits every call, answered or refused, naming the user looked at', async () => {
    const answered = await ask(`Bearer ${await userToken(['admin'])}`);
    const refused = await ask(`Bearer ${await userToken(['nurse'])}`);
    const events = await searchAuditEvents(t, 'subtype=operation&_count=500');
    const byRequest = (id: unknown) =>
      events.find((e) => e.entity?.some((x) => x.what?.identifier?.value === id));

    const ok = byRequest(answered.headers['x-request-id']);
    expect(ok?.outcome).toBe('0');
    expect(decodedQuery(ok!)).toBe(`risk?user=${subject}`);
    expect(ok?.agent.find((a) => a.requestor)?.who?.identifier?.value).toBe('u-admin');
    const no = byRequest(refused.headers['x-request-id']);
    expect(no?.outcome).toBe('4');
    expect(no?.outcomeDesc).toContain('403');
  });
});
