import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, fhirJson } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ MAX_BODY_BYTES: '4096' });
});
afterAll(async () => {
  await t.close();
});

/** Stored clinical data; AuditEvents are counted apart (every refusal writes one). */
async function storedCounts() {
  const clinical = { type: { $ne: 'AuditEvent' } };
  return {
    resources: await t.db.collection('resources').countDocuments(clinical),
    history: await t.db.collection('history').countDocuments(clinical),
  };
}

async function auditCount() {
  return t.db.collection('resources').countDocuments({ type: 'AuditEvent' });
}

function expectOutcome(res: { statusCode: number; json(): any; headers: Record<string, unknown> }, status: number, code?: string) {
  expect(res.statusCode).toBe(status);
  expect(String(res.headers['content-type'])).toContain('application/fhir+json');
  const body = res.json();
  expect(body.resourceType).toBe('OperationOutcome');
  if (code) expect(body.issue[0].code).toBe(code);
  return body;
}

describe('refused writes', () => {
  const refused: Array<[string, { method: 'POST' | 'PUT'; url: string; headers?: Record<string, string>; payload: string }, number]> = [
    ['malformed JSON', { method: 'POST', url: '/fhir/Patient', payload: '{"resourceType": "Patient",' }, 400],
    ['a JSON array', { method: 'POST', url: '/fhir/Patient', payload: '[]' }, 400],
    ['a prototype-polluting key', { method: 'POST', url: '/fhir/Patient', payload: '{"resourceType":"Patient","__proto__":{"x":1}}' }, 400],
    ['a wrong resourceType', { method: 'POST', url: '/fhir/Patient', payload: '{"resourceType":"Observation","status":"final","code":{"text":"x"}}' }, 400],
    ['a wrong element type', { method: 'POST', url: '/fhir/Patient', payload: '{"resourceType":"Patient","birthDate":123}' }, 400],
    ['an unknown element', { method: 'POST', url: '/fhir/Patient', payload: '{"resourceType":"Patient","favouriteColour":"blue"}' }, 400],
    ['an invalid id in the URL', { method: 'PUT', url: '/fhir/Patient/bad_id!', payload: '{"resourceType":"Patient","id":"bad_id!"}' }, 400],
    ['an empty body', { method: 'POST', url: '/fhir/Patient', payload: '' }, 400],
    ['a body over the limit', { method: 'POST', url: '/fhir/Patient', payload: JSON.stringify({ resourceType: 'Patient', name: [{ text: 'x'.repeat(5000) }] }) }, 413],
    ['XML', { method: 'POST', url: '/fhir/Patient', headers: { 'content-type': 'application/fhir+xml' }, payload: '<Patient/>' }, 415],
    ['text/plain', { method: 'POST', url: '/fhir/Patient', headers: { 'content-type': 'text/plain' }, payload: '{}' }, 415],
    ['a create on AuditEvent', { method: 'POST', url: '/fhir/AuditEvent', payload: '{"resourceType":"AuditEvent"}' }, 405],
    ['an update on AuditEvent', { method: 'PUT', url: '/fhir/AuditEvent/x', payload: '{"resourceType":"AuditEvent","id":"x"}' }, 405],
  ];

  for (const [what, request, status] of refused) {
    it(`answers ${status} to ${what}, stores nothing, and audits the refusal`, async () => {
      const before = await storedCounts();
      const auditsBefore = await auditCount();
      const res = await t.app.inject({ ...request, headers: request.headers ?? fhirJson });
      expectOutcome(res, status);
      expect(await storedCounts()).toEqual(before);
      expect(await auditCount()).toBe(auditsBefore + 1);
    });
  }

  it('names the failing element in the OperationOutcome without echoing its value', async () => {
    const res = await t.app.inject({
      method: 'POST', url: '/fhir/Patient', headers: fhirJson, payload: { resourceType: 'Patient', birthDate: 'Qzxv-marker' },
    });
    const body = expectOutcome(res, 400);
    expect(body.issue.some((i: { expression?: string[] }) => i.expression?.includes('Patient.birthDate'))).toBe(true);
    expect(res.body).not.toContain('Qzxv-marker');
  });
});

describe('routing and formats', () => {
  it('answers 404 for an unknown resource type and an unknown route', async () => {
    expectOutcome(await t.app.inject({ url: '/fhir/Spaceship/1' }), 404, 'not-found');
    expectOutcome(await t.app.inject({ url: '/nowhere' }), 404, 'not-found');
  });

  it('answers 405 for a method the endpoint does not allow, with Allow', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/fhir/metadata' });
    expectOutcome(res, 405);
    expect(res.headers.allow).toBe('GET');
    expectOutcome(await t.app.inject({ method: 'DELETE', url: '/fhir/AuditEvent/abc' }), 405);
  });

  it('answers 406 when XML is asked for, by _format or Accept', async () => {
    expectOutcome(await t.app.inject({ url: '/fhir/metadata?_format=xml' }), 406);
    expectOutcome(await t.app.inject({ url: '/fhir/metadata', headers: { accept: 'application/fhir+xml' } }), 406);
  });

  it('pretty-prints with _pretty=true and honours _format=json', async () => {
    const res = await t.app.inject({ url: '/fhir/metadata?_format=json&_pretty=true' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('\n  "resourceType"');
  });

  it('answers 400 to a malformed If-Match', async () => {
    const res = await t.app.inject({
      method: 'PUT', url: '/fhir/Patient/abc', headers: { ...fhirJson, 'if-match': 'nonsense' }, payload: { resourceType: 'Patient', id: 'abc' },
    });
    expectOutcome(res, 400);
  });
});

describe('GET /fhir/metadata', () => {
  it('describes exactly the interactions the routes implement', async () => {
    const cs = (await t.app.inject({ url: '/fhir/metadata' })).json();
    expect(cs.resourceType).toBe('CapabilityStatement');
    expect(cs.fhirVersion).toBe('4.0.1');
    const byType = Object.fromEntries(cs.rest[0].resource.map((r: any) => [r.type, r.interaction.map((i: any) => i.code)]));
    expect(byType.AuditEvent).not.toContain('create');
    expect(byType.AuditEvent).not.toContain('update');
    expect(byType.Patient).toEqual(expect.arrayContaining(['read', 'vread', 'create', 'update', 'delete', 'history-instance', 'history-type']));
  });

  it('names SMART on FHIR as the security service, with the same endpoints as discovery', async () => {
    const cs = (await t.app.inject({ url: '/fhir/metadata' })).json();
    const smart = (await t.app.inject({ url: '/fhir/.well-known/smart-configuration' })).json();
    const security = cs.rest[0].security;

    expect(security.service[0].coding).toEqual([
      { system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' },
    ]);
    const oauthUris = security.extension.find(
      (e: any) => e.url === 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
    );
    const uri = (name: string) => oauthUris.extension.find((e: any) => e.url === name)?.valueUri;
    expect(uri('authorize')).toBe(smart.authorization_endpoint);
    expect(uri('token')).toBe(smart.token_endpoint);
    expect(uri('introspect')).toBe(smart.introspection_endpoint);
    expect(uri('revoke')).toBe(smart.revocation_endpoint);
  });
});

describe('health', () => {
  it('answers /healthz and /readyz outside /fhir', async () => {
    expect((await t.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ok' });
  });
});
