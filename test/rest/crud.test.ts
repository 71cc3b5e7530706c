import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, fhirJson } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

const patient = () => ({
  resourceType: 'Patient',
  name: [{ family: 'Testperson', given: ['Alex'] }],
  gender: 'other',
  birthDate: '1970-01-01',
});

async function create(body: object = patient()) {
  const res = await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: fhirJson, payload: body });
  expect(res.statusCode).toBe(201);
  return res;
}

describe('POST /fhir/[type] (create)', () => {
  it('assigns an id and version 1, and answers with Location, ETag and Last-Modified', async () => {
    const res = await create({ ...patient(), id: 'client-chosen', meta: { versionId: '99', lastUpdated: '2001-01-01T00:00:00Z' } });
    const body = res.json();

    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.id).not.toBe('client-chosen');
    expect(body.meta.versionId).toBe('1');
    expect(body.meta.lastUpdated).not.toBe('2001-01-01T00:00:00Z');
    expect(res.headers.etag).toBe('W/"1"');
    expect(res.headers.location).toBe(`http://localhost:80/fhir/Patient/${body.id}/_history/1`);
    expect(new Date(String(res.headers['last-modified'])).getTime()).not.toBeNaN();
    expect(res.headers['content-type']).toBe('application/fhir+json; charset=utf-8');
  });

  it('honours Prefer: return=minimal and return=OperationOutcome', async () => {
    const minimal = await t.app.inject({
      method: 'POST', url: '/fhir/Patient', headers: { ...fhirJson, prefer: 'return=minimal' }, payload: patient(),
    });
    expect(minimal.statusCode).toBe(201);
    expect(minimal.body).toBe('');
    expect(minimal.headers.location).toContain('/_history/1');

    const outcome = await t.app.inject({
      method: 'POST', url: '/fhir/Patient', headers: { ...fhirJson, prefer: 'return=OperationOutcome' }, payload: patient(),
    });
    expect(outcome.statusCode).toBe(201);
    expect(outcome.json().resourceType).toBe('OperationOutcome');
  });

  it('accepts application/json as well as application/fhir+json', async () => {
    const res = await t.app.inject({
      method: 'POST', url: '/fhir/Patient', headers: { 'content-type': 'application/json; charset=utf-8' }, payload: patient(),
    });
    expect(res.statusCode).toBe(201);
  });
});

describe('GET /fhir/[type]/[id] (read) and vread', () => {
  it('reads back what was created, with version headers', async () => {
    const created = (await create()).json();
    const res = await t.app.inject({ url: `/fhir/Patient/${created.id}` });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(created);
    expect(res.headers.etag).toBe('W/"1"');
  });

  it('answers 404 with an OperationOutcome for an unknown id', async () => {
    const res = await t.app.inject({ url: '/fhir/Patient/does-not-exist' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
  });

  it('reads every version by vread after updates', async () => {
    const created = (await create()).json();
    const updated = { ...created, gender: 'female' };
    const put = await t.app.inject({ method: 'PUT', url: `/fhir/Patient/${created.id}`, headers: fhirJson, payload: updated });
    expect(put.statusCode).toBe(200);
    expect(put.json().meta.versionId).toBe('2');
    expect(put.headers.etag).toBe('W/"2"');

    const v1 = await t.app.inject({ url: `/fhir/Patient/${created.id}/_history/1` });
    const v2 = await t.app.inject({ url: `/fhir/Patient/${created.id}/_history/2` });
    const v3 = await t.app.inject({ url: `/fhir/Patient/${created.id}/_history/3` });
    expect(v1.json().gender).toBe('other');
    expect(v2.json().gender).toBe('female');
    expect(v3.statusCode).toBe(404);
  });
});

describe('PUT /fhir/[type]/[id] (update)', () => {
  it('creates under the client id when the resource does not exist (update-as-create)', async () => {
    const res = await t.app.inject({
      method: 'PUT', url: '/fhir/Patient/example-upsert', headers: fhirJson, payload: { ...patient(), id: 'example-upsert' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers.location).toContain('/fhir/Patient/example-upsert/_history/1');
  });

  it('refuses a body id that differs from the URL id, and a body without id', async () => {
    const other = await t.app.inject({
      method: 'PUT', url: '/fhir/Patient/abc', headers: fhirJson, payload: { ...patient(), id: 'xyz' },
    });
    const missing = await t.app.inject({ method: 'PUT', url: '/fhir/Patient/abc', headers: fhirJson, payload: patient() });
    expect(other.statusCode).toBe(400);
    expect(other.json().issue[0].expression).toEqual(['Patient.id']);
    expect(missing.statusCode).toBe(400);
  });

  it('answers 412 when If-Match names a stale version', async () => {
    const created = (await create()).json();
    const first = await t.app.inject({
      method: 'PUT', url: `/fhir/Patient/${created.id}`, headers: { ...fhirJson, 'if-match': 'W/"1"' }, payload: created,
    });
    const stale = await t.app.inject({
      method: 'PUT', url: `/fhir/Patient/${created.id}`, headers: { ...fhirJson, 'if-match': 'W/"1"' }, payload: created,
    });
    expect(first.statusCode).toBe(200);
    expect(stale.statusCode).toBe(412);
    expect(stale.json().issue[0].code).toBe('conflict');
  });

  it('lets exactly one of 50 concurrent updates with the same If-Match succeed', async () => {
    const created = (await create()).json();
    const attempts = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        t.app.inject({
          method: 'PUT',
          url: `/fhir/Patient/${created.id}`,
          headers: { ...fhirJson, 'if-match': 'W/"1"' },
          payload: { ...created, name: [{ family: `Concurrent${i}` }] },
        }),
      ),
    );
    const statuses = attempts.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(49);

    const history = await t.app.inject({ url: `/fhir/Patient/${created.id}/_history` });
    expect(history.json().total).toBe(2);
  });
});

describe('DELETE /fhir/[type]/[id]', () => {
  it('deletes logically: read answers 410, history keeps a deletion entry, PUT brings it back', async () => {
    const created = (await create()).json();
    const del = await t.app.inject({ method: 'DELETE', url: `/fhir/Patient/${created.id}` });
    expect(del.statusCode).toBe(204);

    const read = await t.app.inject({ url: `/fhir/Patient/${created.id}` });
    expect(read.statusCode).toBe(410);
    expect(read.json().issue[0].code).toBe('deleted');

    const history = (await t.app.inject({ url: `/fhir/Patient/${created.id}/_history` })).json();
    expect(history.entry).toHaveLength(2);
    expect(history.entry[0].request.method).toBe('DELETE');
    expect(history.entry[0].resource).toBeUndefined();

    const again = await t.app.inject({ method: 'DELETE', url: `/fhir/Patient/${created.id}` });
    expect(again.statusCode).toBe(204);

    const revived = await t.app.inject({ method: 'PUT', url: `/fhir/Patient/${created.id}`, headers: fhirJson, payload: created });
    expect(revived.statusCode).toBe(201);
    expect(revived.json().meta.versionId).toBe('3');
  });

  it('answers 404 for a resource that never existed', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/fhir/Patient/never-was' });
    expect(res.statusCode).toBe(404);
  });
});
