import type { Observation, Patient } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEventOf } from '../audit-e2e/audit-reader.ts';
import { buildTestApp, fhirJson } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

const jsonPatch = { 'content-type': 'application/json-patch+json' };

async function createPatient(): Promise<Patient> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/fhir/Patient',
    headers: fhirJson,
    payload: { resourceType: 'Patient', name: [{ family: 'Patchtestperson' }], gender: 'female' },
  });
  expect(res.statusCode).toBe(201);
  return res.json<Patient>();
}

function patch(url: string, operations: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'PATCH', url, headers: { ...jsonPatch, ...headers }, payload: JSON.stringify(operations) });
}

async function storedVersion(id: string): Promise<number | undefined> {
  const doc = await t.db.collection('resources').findOne({ type: 'Patient', id });
  return doc?.versionId as number | undefined;
}

describe('PATCH /fhir/[type]/[id] (JSON Patch)', () => {
  it('applies the operations as a new version, with the update headers', async () => {
    const patient = await createPatient();
    const res = await patch(`/fhir/Patient/${patient.id}`, [
      { op: 'test', path: '/gender', value: 'female' },
      { op: 'replace', path: '/gender', value: 'other' },
      { op: 'add', path: '/birthDate', value: '1961-04-12' },
    ]);

    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBe('W/"2"');
    expect(res.json()).toMatchObject({ gender: 'other', birthDate: '1961-04-12', meta: { versionId: '2' } });
    const read = await t.app.inject({ url: `/fhir/Patient/${patient.id}` });
    expect(read.json()).toMatchObject({ gender: 'other', name: [{ family: 'Patchtestperson' }] });
    const v1 = await t.app.inject({ url: `/fhir/Patient/${patient.id}/_history/1` });
    expect(v1.json().gender).toBe('female');
  });

  it('is recorded as a BALP patch event with the changed elements hashed', async () => {
    const patient = await createPatient();
    const res = await patch(`/fhir/Patient/${patient.id}`, [{ op: 'replace', path: '/gender', value: 'male' }]);
    expect(res.statusCode).toBe(200);

    const event = await auditEventOf(t, res);
    expect(event.subtype).toEqual([expect.objectContaining({ code: 'patch' })]);
    expect(event.action).toBe('U');
    expect(JSON.stringify(event)).toContain('gender');
    expect(JSON.stringify(event)).not.toContain('"male"');
  });

  it('answers 412 for a stale If-Match and keeps the stored version', async () => {
    const patient = await createPatient();
    const res = await patch(`/fhir/Patient/${patient.id}`, [{ op: 'remove', path: '/gender' }], {
      'if-match': 'W/"7"',
    });

    expect(res.statusCode).toBe(412);
    expect(await storedVersion(patient.id!)).toBe(1);
  });

  it('lets exactly one of two patches computed from the same version win', async () => {
    const patient = await createPatient();
    const results = await Promise.all(
      ['male', 'other', 'unknown', 'female'].map((gender) =>
        patch(`/fhir/Patient/${patient.id}`, [{ op: 'replace', path: '/gender', value: gender }], {
          'if-match': 'W/"1"',
        }),
      ),
    );

    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(results.filter((r) => r.statusCode === 412)).toHaveLength(3);
    expect(await storedVersion(patient.id!)).toBe(2);
  });

  it.each([
    ['a failed test', [{ op: 'test', path: '/gender', value: 'male' }]],
    ['a path that is not there', [{ op: 'replace', path: '/maritalStatus/text', value: 'x' }]],
  ])('answers 422 for %s and stores nothing', async (_name, operations) => {
    const patient = await createPatient();
    const res = await patch(`/fhir/Patient/${patient.id}`, operations);

    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'processing' }] });
    expect(await storedVersion(patient.id!)).toBe(1);
  });

  it('keeps the values under test out of the error and the log', async () => {
    const patient = await createPatient();
    const res = await patch(`/fhir/Patient/${patient.id}`, [
      { op: 'test', path: '/name/0/family', value: 'Qzxvbrmtpatch' },
    ]);

    expect(res.statusCode).toBe(422);
    expect(res.body).not.toContain('Patchtestperson');
    expect(res.body).not.toContain('Qzxvbrmtpatch');
    expect(t.logLines().join('\n')).not.toContain('Qzxvbrmtpatch');
  });

  it('refuses a result that is not a valid resource with a 400 naming the element', async () => {
    const patient = await createPatient();
    const res = await patch(`/fhir/Patient/${patient.id}`, [{ op: 'add', path: '/birthDate', value: 19610412 }]);

    expect(res.statusCode).toBe(400);
    expect(res.json().issue[0].expression).toEqual(['Patient.birthDate']);
    expect(await storedVersion(patient.id!)).toBe(1);
  });

  it('refuses a patch that changes the id or the resource type', async () => {
    const patient = await createPatient();
    const id = await patch(`/fhir/Patient/${patient.id}`, [{ op: 'replace', path: '/id', value: 'elsewhere' }]);
    const type = await patch(`/fhir/Patient/${patient.id}`, [{ op: 'replace', path: '/resourceType', value: 'Group' }]);

    expect(id.statusCode).toBe(422);
    expect(type.statusCode).toBe(400);
    expect(await storedVersion(patient.id!)).toBe(1);
    expect(await t.db.collection('resources').countDocuments({ id: 'elsewhere' })).toBe(0);
  });

  it.each([
    ['an object instead of an array', { op: 'remove', path: '/gender' }],
    ['an empty array', []],
    ['an unknown operation', [{ op: 'delete', path: '/gender' }]],
    ["the library's internal _get", [{ op: '_get', path: '/gender' }]],
    ['a path that is no JSON pointer', [{ op: 'remove', path: 'gender' }]],
    ['an add without a value', [{ op: 'add', path: '/gender' }]],
    ['a move without from', [{ op: 'move', path: '/gender' }]],
  ])('answers 400 for %s', async (_name, operations) => {
    const patient = await createPatient();
    const res = await patch(`/fhir/Patient/${patient.id}`, operations);

    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
    expect(await storedVersion(patient.id!)).toBe(1);
  });

  it('does not let a path reach Object.prototype', async () => {
    const patient = await createPatient();
    const res = await patch(`/fhir/Patient/${patient.id}`, [
      { op: 'add', path: '/__proto__/polluted', value: 'yes' },
    ]);

    expect(res.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers 415 for a body that is not a JSON Patch document (FHIRPath Patch included)', async () => {
    const patient = await createPatient();
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/fhir/Patient/${patient.id}`,
      headers: fhirJson,
      payload: { resourceType: 'Parameters', parameter: [] },
    });

    expect(res.statusCode).toBe(415);
  });

  it('answers 404 for a missing resource, 410 for a deleted one, 405 on AuditEvent', async () => {
    const missing = await patch('/fhir/Patient/not-there', [{ op: 'remove', path: '/gender' }]);
    expect(missing.statusCode).toBe(404);

    const patient = await createPatient();
    await t.app.inject({ method: 'DELETE', url: `/fhir/Patient/${patient.id}` });
    const deleted = await patch(`/fhir/Patient/${patient.id}`, [{ op: 'remove', path: '/gender' }]);
    expect(deleted.statusCode).toBe(410);

    const audit = await patch('/fhir/AuditEvent/any', [{ op: 'remove', path: '/outcome' }]);
    expect(audit.statusCode).toBe(405);
  });

  it('is listed in the CapabilityStatement', async () => {
    const cs = (await t.app.inject({ url: '/fhir/metadata' })).json();
    const patient = cs.rest[0].resource.find((r: { type: string }) => r.type === 'Patient');
    expect(patient.interaction.map((i: { code: string }) => i.code)).toContain('patch');
  });
});

describe('PATCH under a narrowed grant', () => {
  async function observationOf(patientId: string, category: string): Promise<Observation> {
    const res = await t.app.inject({
      method: 'POST',
      url: '/fhir/Observation',
      headers: fhirJson,
      payload: {
        resourceType: 'Observation',
        status: 'final',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: category }] }],
        code: { text: 'test' },
        subject: { reference: `Patient/${patientId}` },
      },
    });
    expect(res.statusCode).toBe(201);
    return res.json<Observation>();
  }

  it("reads another patient's resource as missing, and refuses a patch that moves one out", async () => {
    const own = await createPatient();
    const other = await createPatient();
    const token = await t.token({ scopes: ['patient/Observation.rus'], patient: own.id });
    const authorization = `Bearer ${token}`;
    const foreign = await observationOf(other.id!, 'vital-signs');
    const mine = await observationOf(own.id!, 'vital-signs');

    const foreignPatch = await patch(`/fhir/Observation/${foreign.id}`, [{ op: 'replace', path: '/status', value: 'amended' }], { authorization });
    const missing = await patch('/fhir/Observation/not-there', [{ op: 'replace', path: '/status', value: 'amended' }], { authorization });
    expect(foreignPatch.statusCode).toBe(404);
    expect(foreignPatch.json()).toEqual(missing.json());

    const moveOut = await patch(`/fhir/Observation/${mine.id}`, [{ op: 'replace', path: '/subject/reference', value: `Patient/${other.id}` }], { authorization });
    expect(moveOut.statusCode).toBe(403);

    const allowed = await patch(`/fhir/Observation/${mine.id}`, [{ op: 'replace', path: '/status', value: 'amended' }], { authorization });
    expect(allowed.statusCode).toBe(200);
  });

  it('answers 403 to a grant without update on the type', async () => {
    const patient = await createPatient();
    const token = await t.token({ scopes: ['system/Patient.rs'] });
    const res = await patch(`/fhir/Patient/${patient.id}`, [{ op: 'remove', path: '/gender' }], {
      authorization: `Bearer ${token}`,
    });

    expect(res.statusCode).toBe(403);
    expect(await storedVersion(patient.id!)).toBe(1);
  });
});
