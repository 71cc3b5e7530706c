import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, fhirJson } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';

let t: TestApp;
let own: string;
let other: string;
let ownObs: string;
let otherObs: string;
let patientToken: string;

async function post(type: string, body: object): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: `/fhir/${type}`, headers: fhirJson, payload: { resourceType: type, ...body } });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

const observation = (patient: string) => ({
  status: 'final',
  code: { text: 'weight' },
  subject: { reference: `Patient/${patient}` },
});

beforeAll(async () => {
  t = await buildTestApp();
  own = await post('Patient', { gender: 'female' });
  other = await post('Patient', { gender: 'male' });
  ownObs = await post('Observation', observation(own));
  otherObs = await post('Observation', observation(other));
  patientToken = await t.token({
    clientId: 'patient-app',
    scopes: ['patient/*.rs'],
    user: { id: 'user-own', roles: ['patient'], fhirUser: `Patient/${own}` },
    patient: own,
  });
});
afterAll(async () => {
  await t.close();
});

const asPatient = () => ({ authorization: `Bearer ${patientToken}` });

describe('a patient/ grant', () => {
  it('reads its own records and reads another patient’s as missing', async () => {
    expect((await t.app.inject({ url: `/fhir/Observation/${ownObs}`, headers: asPatient() })).statusCode).toBe(200);
    const foreign = await t.app.inject({ url: `/fhir/Observation/${otherObs}`, headers: asPatient() });
    const missing = await t.app.inject({ url: '/fhir/Observation/no-such-id', headers: asPatient() });
    expect(foreign.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    expect(foreign.json().issue[0].diagnostics).toBe(missing.json().issue[0].diagnostics);
  });

  it('searches only its own compartment, whatever the query asks', async () => {
    const all = (await t.app.inject({ url: '/fhir/Observation', headers: asPatient() })).json();
    expect(all.entry.map((e: any) => e.resource.id)).toEqual([ownObs]);
    const probe = (await t.app.inject({ url: `/fhir/Observation?subject=Patient/${other}`, headers: asPatient() })).json();
    expect(probe.total).toBe(0);
  });

  it('cannot write, and reads another patient’s deleted record as 404, not 410', async () => {
    const write = await t.app.inject({
      method: 'POST', url: '/fhir/Observation', headers: { ...fhirJson, ...asPatient() }, payload: { resourceType: 'Observation', ...observation(own) },
    });
    expect(write.statusCode).toBe(403);
    await t.app.inject({ method: 'DELETE', url: `/fhir/Observation/${otherObs}` });
    const deleted = await t.app.inject({ url: `/fhir/Observation/${otherObs}`, headers: asPatient() });
    expect(deleted.statusCode).toBe(404);
  });

  it('finds the AuditEvents that record disclosures of its own data', async () => {
    const res = await t.app.inject({ url: `/fhir/AuditEvent?patient=Patient/${own}`, headers: asPatient() });
    expect(res.statusCode).toBe(200);
    expect(res.json().total).toBeGreaterThan(0);
  });
});

describe('without a token', () => {
  it('answers 401 with WWW-Authenticate', async () => {
    const res = await t.app.inject({ url: `/fhir/Patient/${own}`, headers: { authorization: '' } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
  });
});
