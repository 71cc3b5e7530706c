import type { AuditEvent } from 'fhir/r4';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, fhirJson, type TestApp } from '../helpers/app.ts';
import {
  auditEventOf,
  decodedQuery,
  entityReferences,
  patientEntities,
  requestIdOf,
  searchAuditEvents,
} from './audit-reader.ts';

// Made-up PHI that must never show in clear in an AuditEvent.
const familyA = 'Quorblefax';
const birthDateA = '1961-07-13';
const familyB = 'Vintrellow';
const birthDateB = '1983-11-29';

const physician = { id: 'u-doc-7', roles: ['physician'], fhirUser: 'Practitioner/pr-7' };

let t: TestApp;
let patientA: string;
let patientB: string;
let observationA: string;
let observationB: string;

async function create(resource: object): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: `/fhir/${(resource as { resourceType: string }).resourceType}`,
    headers: fhirJson,
    payload: resource,
  });
  expect(res.statusCode).toBe(201);
  return res.json<{ id: string }>().id;
}

const patient = (family: string, birthDate: string) => ({
  resourceType: 'Patient',
  name: [{ family, given: ['Ann'] }],
  gender: 'female',
  birthDate,
});
const observation = (subject: string) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  subject: { reference: subject },
  valueQuantity: { value: 72, unit: '/min' },
});

beforeAll(async () => {
  t = await buildTestApp();
  patientA = await create(patient(familyA, birthDateA));
  patientB = await create(patient(familyB, birthDateB));
  observationA = await create(observation(`Patient/${patientA}`));
  observationB = await create(observation(`Patient/${patientB}`));
});
afterAll(() => t.close());

interface Codes {
  type?: string;
  subtype?: Array<string | undefined>;
  action?: string;
  outcome?: string;
}
const codesOf = (e: AuditEvent): Codes => ({
  type: e.type.code,
  subtype: e.subtype?.map((c) => c.code),
  action: e.action,
  outcome: e.outcome,
});
const agentOf = (e: AuditEvent, code: string) =>
  e.agent.find((a) => a.type?.coding?.some((c) => c.code === code));

/** What every RESTful AuditEvent carries, whatever the interaction and outcome. */
function expectCommonParts(event: AuditEvent): void {
  expect(event.source.observer.identifier?.value).toBeTruthy();
  expect(event.source.site).toBeTruthy();
  expect(event.source.type?.[0]?.code).toBe('4');
  const client = agentOf(event, '110153');
  expect(client?.network?.address).toBeTruthy();
  expect(agentOf(event, '110152')?.requestor).toBe(false);
  expect(event.agent.filter((a) => a.requestor)).toHaveLength(1);
  const clear = JSON.stringify({ ...event, entity: event.entity?.map(({ query: _q, ...e }) => e) });
  for (const phi of [familyA, familyB, birthDateA, birthDateB]) expect(clear).not.toContain(phi);
}

interface Row {
  name: string;
  send: () => Promise<LightMyRequestResponse>;
  status: number;
  codes: Codes;
  entities?: () => string[];
  patients?: () => string[];
  query?: string;
  /** The user agent expected (only for rows sent with a user token). */
  user?: typeof physician;
  /** The client id expected on the client agent; undefined when no client is known (401). */
  clientId?: string;
}

const get =
  (url: string, headers: Record<string, string> = {}) =>
  () =>
    t.app.inject({ method: 'GET', url, headers });
const rest = (subtype: string, action: string, outcome = '0') => ({
  type: 'rest',
  subtype: [subtype],
  action,
  outcome,
});
const failed = (subtype: string, action: string) => rest(subtype, action, '4');

let userToken = '';
let narrowToken = '';
let createdId = '';

const rows: Row[] = [
  {
    name: 'create',
    send: async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/fhir/Patient',
        headers: fhirJson,
        payload: patient(familyA, birthDateA),
      });
      createdId = res.json<{ id: string }>().id;
      return res;
    },
    status: 201,
    codes: rest('create', 'C'),
    entities: () => [`Patient/${createdId}/_history/1`, `Patient/${createdId}`],
    patients: () => [`Patient/${createdId}`],
    clientId: 'test-backend',
  },
  {
    name: 'read by a user',
    send: async () => get(`/fhir/Patient/${patientA}`, { authorization: `Bearer ${userToken}` })(),
    status: 200,
    codes: rest('read', 'R'),
    entities: () => [`Patient/${patientA}/_history/1`, `Patient/${patientA}`],
    patients: () => [`Patient/${patientA}`],
    user: physician,
    clientId: 'app-ward-e2e',
  },
  {
    name: 'vread',
    send: () => get(`/fhir/Observation/${observationA}/_history/1`)(),
    status: 200,
    codes: rest('vread', 'R'),
    entities: () => [`Observation/${observationA}/_history/1`, `Patient/${patientA}`],
    patients: () => [`Patient/${patientA}`],
    clientId: 'test-backend',
  },
  {
    name: 'update',
    send: () =>
      t.app.inject({
        method: 'PUT',
        url: `/fhir/Observation/${observationB}`,
        headers: fhirJson,
        payload: { ...observation(`Patient/${patientB}`), id: observationB, status: 'amended' },
      }),
    status: 200,
    codes: rest('update', 'U'),
    entities: () => [`Observation/${observationB}/_history/2`, `Patient/${patientB}`],
    patients: () => [`Patient/${patientB}`],
    clientId: 'test-backend',
  },
  {
    name: 'patch',
    send: () =>
      t.app.inject({
        method: 'PATCH',
        url: `/fhir/Observation/${observationB}`,
        headers: { 'content-type': 'application/json-patch+json' },
        payload: JSON.stringify([{ op: 'replace', path: '/status', value: 'corrected' }]),
      }),
    status: 200,
    codes: rest('patch', 'U'),
    entities: () => [`Observation/${observationB}/_history/3`, `Patient/${patientB}`],
    patients: () => [`Patient/${patientB}`],
    clientId: 'test-backend',
  },
  {
    name: 'search across two patients',
    send: () => get(`/fhir/Observation?code=8867-4&_count=50`)(),
    status: 200,
    codes: rest('search-type', 'E'),
    patients: () => [`Patient/${patientA}`, `Patient/${patientB}`].sort(),
    query: 'code=8867-4&_count=50',
    clientId: 'test-backend',
  },
  {
    name: 'search by PHI (the value only in the base64 query)',
    send: () => get(`/fhir/Patient?family=${familyA}&birthdate=${birthDateA}`)(),
    status: 200,
    codes: rest('search-type', 'E'),
    patients: () => [`Patient/${patientA}`, `Patient/${createdId}`].sort(),
    query: `family=${familyA}&birthdate=${birthDateA}`,
    clientId: 'test-backend',
  },
  {
    name: 'history of an instance',
    send: () => get(`/fhir/Patient/${patientB}/_history`)(),
    status: 200,
    codes: rest('history-instance', 'R'),
    patients: () => [`Patient/${patientB}`],
    clientId: 'test-backend',
  },
  {
    name: 'history of a type',
    send: () => get(`/fhir/Observation/_history`)(),
    status: 200,
    codes: rest('history-type', 'R'),
    patients: () => [`Patient/${patientA}`, `Patient/${patientB}`].sort(),
    clientId: 'test-backend',
  },
  {
    name: 'history of the system',
    send: () => get(`/fhir/_history`)(),
    status: 200,
    codes: rest('history-system', 'R'),
    patients: () => [`Patient/${createdId}`, `Patient/${patientA}`, `Patient/${patientB}`].sort(),
    clientId: 'test-backend',
  },
  {
    name: 'delete',
    send: () => t.app.inject({ method: 'DELETE', url: `/fhir/Observation/${observationA}` }),
    status: 204,
    codes: rest('delete', 'D'),
    entities: () => [`Observation/${observationA}/_history/2`, `Patient/${patientA}`],
    patients: () => [`Patient/${patientA}`],
    clientId: 'test-backend',
  },
  {
    name: '401 without a token',
    send: () => get(`/fhir/Patient/${patientA}`, { authorization: '' })(),
    status: 401,
    codes: failed('read', 'R'),
  },
  {
    name: '401 with a bad token',
    send: () => get(`/fhir/Patient/${patientA}`, { authorization: 'Bearer not.a.token' })(),
    status: 401,
    codes: failed('read', 'R'),
  },
  {
    name: '403 outside the granted scopes',
    send: () => get(`/fhir/Patient/${patientA}`, { authorization: `Bearer ${narrowToken}` })(),
    status: 403,
    codes: failed('read', 'R'),
    clientId: 'narrow-backend',
  },
  {
    name: '404 unknown id',
    send: () => get('/fhir/Patient/no-such-patient')(),
    status: 404,
    codes: failed('read', 'R'),
    clientId: 'test-backend',
  },
  {
    name: '400 invalid resource',
    send: () =>
      t.app.inject({
        method: 'POST',
        url: '/fhir/Patient',
        headers: fhirJson,
        payload: { resourceType: 'Patient', birthDate: 'thirteenth of July', gender: 'x' },
      }),
    status: 400,
    codes: failed('create', 'C'),
    clientId: 'test-backend',
  },
  {
    name: '405 writing an AuditEvent',
    send: () =>
      t.app.inject({
        method: 'POST',
        url: '/fhir/AuditEvent',
        headers: fhirJson,
        payload: { resourceType: 'AuditEvent' },
      }),
    status: 405,
    codes: failed('create', 'C'),
    clientId: 'test-backend',
  },
  {
    name: '412 stale If-Match',
    send: () =>
      t.app.inject({
        method: 'PUT',
        url: `/fhir/Patient/${patientB}`,
        headers: { ...fhirJson, 'if-match': 'W/"99"' },
        payload: { ...patient(familyB, birthDateB), id: patientB },
      }),
    status: 412,
    codes: failed('update', 'U'),
    clientId: 'test-backend',
  },
];

describe('one BALP AuditEvent per interaction and refusal, read back over the API', () => {
  beforeAll(async () => {
    userToken = await t.token({
      scopes: ['user/Patient.rs'],
      clientId: 'app-ward-e2e',
      user: physician,
    });
    narrowToken = await t.token({ scopes: ['system/Observation.rs'], clientId: 'narrow-backend' });
  });

  it.each(rows)('$name', async (row) => {
    const res = await row.send();
    expect(res.statusCode).toBe(row.status);

    const event = await auditEventOf(t, res);
    expect(codesOf(event)).toEqual(row.codes);
    expectCommonParts(event);
    if (row.entities) expect(entityReferences(event)).toEqual(row.entities());
    expect(patientEntities(event)).toEqual(row.patients?.() ?? []);
    expect(decodedQuery(event)).toBe(row.query);

    const client = agentOf(event, '110153');
    expect(client?.who?.identifier?.value).toBe(row.clientId);
    const user = agentOf(event, 'IRCP');
    if (row.user) {
      expect(user?.who?.reference).toBe(row.user.fhirUser);
      expect(user?.who?.identifier?.value).toBe(row.user.id);
      expect(user?.role?.flatMap((r) => r.coding?.map((c) => c.code))).toEqual(row.user.roles);
      expect(user?.requestor).toBe(true);
      expect(client?.requestor).toBe(false);
    } else {
      expect(user).toBeUndefined();
      expect(client?.requestor).toBe(true);
    }
  });

  it('AuditEvent?patient=X finds every disclosure of X, and reading the trail is audited', async () => {
    const readA = await t.app.inject({ method: 'GET', url: `/fhir/Patient/${patientA}` });
    const searchBoth = await t.app.inject({ method: 'GET', url: '/fhir/Patient?gender=female' });
    const readB = await t.app.inject({ method: 'GET', url: `/fhir/Patient/${patientB}` });
    const ids = (res: LightMyRequestResponse) => res.headers['x-request-id'];

    const aboutA = (await searchAuditEvents(t, `patient=Patient/${patientA}&_count=500`)).map(
      requestIdOf,
    );
    expect(aboutA).toContain(ids(readA));
    expect(aboutA).toContain(ids(searchBoth));
    expect(aboutA).not.toContain(ids(readB));
    const aboutB = (await searchAuditEvents(t, `patient=${patientB}&_count=500`)).map(requestIdOf);
    expect(aboutB).toEqual(expect.arrayContaining([ids(readB), ids(searchBoth)]));

    // The trail read above is itself in the trail.
    const trailRead = await t.app.inject({ method: 'GET', url: '/fhir/AuditEvent?action=R' });
    const event = await auditEventOf(t, trailRead);
    expect(codesOf(event)).toEqual(rest('search-type', 'E'));
    expect(decodedQuery(event)).toBe('action=R');
  });
});
