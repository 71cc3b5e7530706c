import type { Bundle, Observation, Patient, Resource } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedScopesFor, readRoleConfigFile } from '../../src/auth/roles.ts';
import {
  readJson,
  seedPatientWithObservations,
  startLiveWard,
  type LiveWard,
} from './live-ward.ts';

/**
 * The default role file (config/roles.v1.json) against the live server: each role × resource ×
 * interaction × own/other patient → the status a user of that role gets. Expectations are written
 * out by hand from the role table in shared/HIPAA.md, not derived from the policy under test.
 */
type Target =
  'patient-own' | 'patient-other' | 'vital-own' | 'vital-other' | 'lab-own' | 'lab-other';
type Action = 'read' | 'search' | 'create' | 'update' | 'delete' | 'history';
type Row = Record<Action, number>;

const all = (status: number): Row => ({
  read: status,
  search: status,
  create: status,
  update: status,
  delete: status,
  history: status,
});
const full: Row = { read: 200, search: 200, create: 201, update: 200, delete: 204, history: 200 };
const readOnly: Row = { ...all(403), read: 200, search: 200, history: 200 };
// Visible by type, hidden by compartment or category: reads look missing, writes are refused.
const hidden: Row = { ...all(403), read: 404, search: 200, history: 404 };
// Another patient's records read as missing, history included.
const otherPatients: Row = hidden;

const matrix: Record<string, Record<Target, Row>> = {
  physician: {
    'patient-own': full,
    'patient-other': full,
    'vital-own': full,
    'vital-other': full,
    'lab-own': full,
    'lab-other': full,
  },
  nurse: {
    'patient-own': readOnly,
    'patient-other': readOnly,
    'vital-own': { ...full, delete: 403 },
    'vital-other': { ...full, delete: 403 },
    'lab-own': hidden,
    'lab-other': hidden,
  },
  patient: {
    'patient-own': readOnly,
    'patient-other': otherPatients,
    'vital-own': readOnly,
    'vital-other': otherPatients,
    'lab-own': readOnly,
    'lab-other': otherPatients,
  },
  billing: {
    'patient-own': readOnly,
    'patient-other': readOnly,
    'vital-own': all(403),
    'vital-other': all(403),
    'lab-own': all(403),
    'lab-other': all(403),
  },
  admin: {
    'patient-own': all(403),
    'patient-other': all(403),
    'vital-own': all(403),
    'vital-other': all(403),
    'lab-own': all(403),
    'lab-other': all(403),
  },
};
matrix.compliance = matrix.admin!;

/** AuditEvent search by role: only the audit roles, and a patient for her own compartment. */
const auditSearch: Record<string, number> = {
  physician: 403,
  nurse: 403,
  patient: 200,
  billing: 403,
  admin: 200,
  compliance: 200,
};

describe('the default role matrix on the live server', () => {
  let ward: LiveWard;
  let own: Awaited<ReturnType<typeof seedPatientWithObservations>>;
  let other: Awaited<ReturnType<typeof seedPatientWithObservations>>;
  const roleConfig = readRoleConfigFile();

  beforeAll(async () => {
    ward = await startLiveWard();
    own = await seedPatientWithObservations(ward, 'Own');
    other = await seedPatientWithObservations(ward, 'Other');
  });
  afterAll(() => ward.close());

  function tokenFor(role: string) {
    const fhirUser = role === 'patient' ? `Patient/${own.patientId}` : 'Practitioner/pr-1';
    return ward.token({
      user: { id: `user-${role}`, roles: [role], fhirUser },
      scopes: allowedScopesFor(roleConfig, [role]),
      ...(role === 'patient' ? { patient: own.patientId } : {}),
    });
  }

  async function targetOf(target: Target): Promise<{ type: string; id: string; body: Resource }> {
    const owner = target.endsWith('-own') ? own : other;
    const type = target.startsWith('patient') ? 'Patient' : 'Observation';
    const id = target.startsWith('patient')
      ? owner.patientId
      : target.startsWith('vital')
        ? owner.vitalId
        : owner.labId;
    const res = await ward.send(`/fhir/${type}/${id}`, {
      token: await ward.token({ scopes: ['system/*.rs'] }),
    });
    return { type, id, body: (await res.json()) as Resource };
  }

  async function attempt(token: string, action: Action, target: Target): Promise<Response> {
    const { type, id, body } = await targetOf(target);
    const json = { 'content-type': 'application/fhir+json' };
    switch (action) {
      case 'read':
        return ward.send(`/fhir/${type}/${id}`, { token });
      case 'history':
        return ward.send(`/fhir/${type}/${id}/_history`, { token });
      case 'search':
        return ward.send(`/fhir/${type}?_id=${id}`, { token });
      case 'create': {
        const { id: _omit, meta: _meta, ...fresh } = body as Patient | Observation;
        return ward.send(`/fhir/${type}`, {
          method: 'POST',
          token,
          headers: json,
          body: JSON.stringify(fresh),
        });
      }
      case 'update':
        return ward.send(`/fhir/${type}/${id}`, {
          method: 'PUT',
          token,
          headers: json,
          body: JSON.stringify(body),
        });
      case 'delete': {
        // Delete a fresh copy, so the seeded resources stay for the other rows.
        const { id: _omit, meta: _meta, ...fresh } = body as Patient | Observation;
        const copy = await ward.seed(fresh as Patient | Observation);
        return ward.send(`/fhir/${type}/${copy}`, { method: 'DELETE', token });
      }
    }
  }

  for (const [role, targets] of Object.entries(matrix)) {
    describe(`a ${role}`, () => {
      for (const [target, row] of Object.entries(targets) as [Target, Row][]) {
        it(`gets ${Object.values(row).join('/')} for read/search/create/update/delete/history of ${target}`, async () => {
          const token = await tokenFor(role);
          const statuses: Record<string, number> = {};
          const hits: Record<string, number> = {};
          for (const action of Object.keys(row) as Action[]) {
            const res = await attempt(token, action, target);
            statuses[action] = res.status;
            if (action === 'search' && res.status === 200) {
              hits.search = ((await res.json()) as Bundle).entry?.length ?? 0;
            } else await res.arrayBuffer();
          }
          expect(statuses).toEqual(row);
          // A search the caller may run still returns only what she may see.
          if (row.search === 200) expect(hits.search).toBe(row.read === 200 ? 1 : 0);
        });
      }

      it(`gets ${auditSearch[role]} searching AuditEvent`, async () => {
        const res = await ward.send('/fhir/AuditEvent?_count=5', { token: await tokenFor(role) });
        expect(res.status).toBe(auditSearch[role]);
      });
    });
  }

  it('shows billing a Patient without clinical elements, through read and search', async () => {
    const token = await tokenFor('billing');
    const read = await readJson(await ward.send(`/fhir/Patient/${own.patientId}`, { token }));
    expect(read).toMatchObject({
      resourceType: 'Patient',
      gender: 'female',
      birthDate: '1970-01-01',
    });
    expect(read).not.toHaveProperty('generalPractitioner');

    const bundle = (await (
      await ward.send(`/fhir/Patient?_id=${own.patientId}`, { token })
    ).json()) as Bundle;
    expect(bundle.entry?.[0]?.resource).not.toHaveProperty('generalPractitioner');
    const observations = await ward.send(`/fhir/Observation?patient=${own.patientId}`, { token });
    expect(observations.status).toBe(403);
  });

  it('answers a hidden resource exactly as a missing one, and a refusal without detail', async () => {
    const token = await tokenFor('nurse');
    const hiddenLab = await ward.send(`/fhir/Observation/${own.labId}`, { token });
    const missing = await ward.send('/fhir/Observation/does-not-exist', { token });
    expect(hiddenLab.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(await hiddenLab.text()).toBe(await missing.text());

    const patientToken = await tokenFor('patient');
    const othersHistory = await ward.send(`/fhir/Observation/${other.labId}/_history`, {
      token: patientToken,
    });
    const noHistory = await ward.send('/fhir/Observation/does-not-exist/_history', {
      token: patientToken,
    });
    expect(othersHistory.status).toBe(404);
    expect(await othersHistory.text()).toBe(await noHistory.text());

    const refused = await ward.send('/fhir/AuditEvent', { token });
    const text = await refused.text();
    expect(refused.status).toBe(403);
    for (const secret of [own.patientId, own.labId, 'user-nurse', 'Own'])
      expect(text).not.toContain(secret);
  });
});
