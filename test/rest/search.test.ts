import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle } from 'fhir/r4';
import { buildTestApp, fhirJson } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';

let t: TestApp;
const ids: Record<string, string> = {};
const loinc = 'http://loinc.org';

async function post(type: string, body: object): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: `/fhir/${type}`, headers: fhirJson, payload: { resourceType: type, ...body } });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

async function search(url: string): Promise<Bundle> {
  const res = await t.app.inject({ url });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

const idsOf = (bundle: Bundle, mode = 'match') =>
  (bundle.entry ?? []).filter((e) => e.search?.mode === mode).map((e) => e.resource!.id).sort();

beforeAll(async () => {
  t = await buildTestApp();
  ids.ana = await post('Patient', { name: [{ family: 'Qwerty-Gómez', given: ['Ana'] }], gender: 'female', birthDate: '1970-05-02' });
  ids.bo = await post('Patient', { name: [{ family: 'Qwertz', given: ['Bo'] }], gender: 'male', birthDate: '1982' });
  ids.cy = await post('Patient', { name: [{ family: 'Zyx' }], gender: 'female' });
  const obs = (patient: string, code: string, date: string, value: number) => ({
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: loinc, code }] },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: date,
    valueQuantity: { value, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
  });
  ids.w1 = await post('Observation', obs(ids.ana!, '29463-7', '2020-03-01T10:00:00Z', 60));
  ids.w2 = await post('Observation', obs(ids.ana!, '29463-7', '2021-06-15', 62.5));
  ids.h1 = await post('Observation', obs(ids.bo!, '8302-2', '2020-03-02', 180));
});
afterAll(async () => {
  await t.close();
});

describe('GET /fhir/[type]?… (search)', () => {
  it('finds patients by a name prefix, ignoring case and accents, though names are blind-indexed', async () => {
    expect(idsOf(await search('/fhir/Patient?family=qwert'))).toEqual([ids.ana, ids.bo].sort());
    expect(idsOf(await search('/fhir/Patient?family=QWERTY-GOMEZ'))).toEqual([ids.ana]);
    expect(idsOf(await search('/fhir/Patient?family:exact=Qwerty-Gómez'))).toEqual([ids.ana]);
  });

  it('refuses :contains on a protected parameter with a 400 that says why', async () => {
    const res = await t.app.inject({ url: '/fhir/Patient?family:contains=wert' });
    expect(res.statusCode).toBe(400);
    expect(res.json().resourceType).toBe('OperationOutcome');
  });

  it('combines token, reference and date parameters, with prefixes', async () => {
    const url = `/fhir/Observation?subject=Patient/${ids.ana}&code=${encodeURIComponent(`${loinc}|29463-7`)}&date=ge2021`;
    expect(idsOf(await search(url))).toEqual([ids.w2]);
    expect(idsOf(await search(`/fhir/Observation?value-quantity=gt61&value-quantity=lt100`))).toEqual([ids.w2]);
    expect(idsOf(await search(`/fhir/Observation?date=2020-03`))).toEqual([ids.w1, ids.h1].sort());
    expect(idsOf(await search(`/fhir/Observation?code=8302-2,29463-7&date=lt2020-03-02`))).toEqual([ids.w1]);
  });

  it('answers the same to POST _search with a form body', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/fhir/Observation/_search',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `subject=Patient/${ids.ana}`,
    });
    expect(res.statusCode).toBe(200);
    expect(idsOf(res.json())).toEqual([ids.w1, ids.w2].sort());
  });

  it('includes the referenced patient and reverse-includes observations, marked include', async () => {
    const forward = await search(`/fhir/Observation?code=8302-2&_include=Observation:subject`);
    expect(idsOf(forward)).toEqual([ids.h1]);
    expect(idsOf(forward, 'include')).toEqual([ids.bo]);
    const reverse = await search(`/fhir/Patient?_id=${ids.ana}&_revinclude=Observation:subject`);
    expect(idsOf(reverse, 'include')).toEqual([ids.w1, ids.w2].sort());
  });

  it('follows chains and reverse chains', async () => {
    expect(idsOf(await search('/fhir/Observation?subject:Patient.family=zyx'))).toEqual([]);
    expect(idsOf(await search('/fhir/Observation?subject:Patient.gender=male'))).toEqual([ids.h1]);
    expect(idsOf(await search('/fhir/Patient?_has:Observation:subject:code=29463-7'))).toEqual([ids.ana]);
  });

  it('searches a patient compartment', async () => {
    expect(idsOf(await search(`/fhir/Patient/${ids.bo}/Observation`))).toEqual([ids.h1]);
  });

  it('pages with _count and _sort through next links, each entry once, in order', async () => {
    const seen: string[] = [];
    let url: string | undefined = '/fhir/Observation?_sort=-date&_count=1';
    while (url) {
      const page = await search(url);
      seen.push(...(page.entry ?? []).map((e) => e.resource!.id!));
      expect(page.total).toBe(3);
      url = page.link?.find((l) => l.relation === 'next')?.url.replace(/^https?:\/\/[^/]+/, '');
    }
    expect(seen).toEqual([ids.w2, ids.h1, ids.w1]);
  });

  it('refuses a page token that was tampered with', async () => {
    const page = await search('/fhir/Observation?_count=1');
    const next = page.link!.find((l) => l.relation === 'next')!.url;
    const forged = next.replace(/_cursor=([^&]+)/, (_m, token: string) => `_cursor=${token.slice(0, -3)}AAA`);
    const res = await t.app.inject({ url: forged.replace(/^https?:\/\/[^/]+/, '') });
    expect(res.statusCode).toBe(400);
  });

  it('answers _summary=count with a total and no entries, and _elements with SUBSETTED', async () => {
    const count = await search('/fhir/Patient?_summary=count');
    expect(count.total).toBe(3);
    expect(count.entry ?? []).toHaveLength(0);
    const subset = await search(`/fhir/Patient?_id=${ids.ana}&_elements=gender`);
    const resource = subset.entry![0]!.resource as Record<string, any>;
    expect(resource.gender).toBe('female');
    expect(resource.name).toBeUndefined();
    expect(resource.meta.tag).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'SUBSETTED' })]));
  });

  it('ignores unknown parameters leniently and shows it in the self link, but refuses them when strict', async () => {
    const lenient = await search('/fhir/Patient?gender=male&favourite=blue');
    expect(idsOf(lenient)).toEqual([ids.bo]);
    expect(lenient.link![0]!.url).not.toContain('favourite');
    const strict = await t.app.inject({ url: '/fhir/Patient?favourite=blue', headers: { prefer: 'handling=strict' } });
    expect(strict.statusCode).toBe(400);
  });

  it('takes hostile values literally', async () => {
    expect(idsOf(await search('/fhir/Patient?family=.*'))).toEqual([]);
    expect(idsOf(await search('/fhir/Patient?gender[$ne]=x'))).toEqual([ids.ana, ids.bo, ids.cy].sort());
    expect(idsOf(await search(`/fhir/Patient?gender=${encodeURIComponent('{"$ne":null}')}`))).toEqual([]);
    const res = await t.app.inject({ url: '/fhir/Observation?date=not-a-date' });
    expect(res.statusCode).toBe(400);
  });

  it('searches across types with _type, and AuditEvent like any other type', async () => {
    const both = await search('/fhir?_type=Patient,Observation&_count=100');
    expect(both.total).toBe(6);
    expect(idsOf(both)).toEqual([...Object.values(ids)].sort());
    await search(`/fhir/Patient/${ids.cy}`);
    const disclosures = await search(`/fhir/AuditEvent?patient=Patient/${ids.cy}&subtype=read`);
    expect(disclosures.total).toBeGreaterThanOrEqual(1);
  });

  it('keeps search values out of the log', async () => {
    await search('/fhir/Patient?family=Qwertymarker&birthdate=1970-05-02');
    const log = t.logLines().join('\n');
    expect(log).not.toContain('Qwertymarker');
    expect(log).not.toContain('1970-05-02');
  });
});

describe('reference :identifier', () => {
  const mrn = 'urn:oid:2.16.840.1.113883.19.5';
  const subjectById = (system: string | undefined, value: string, reference?: string) => ({
    status: 'final',
    code: { coding: [{ system: loinc, code: '29463-7' }] },
    subject: { ...(reference ? { reference } : {}), identifier: { ...(system ? { system } : {}), value } },
  });

  it('finds resources by the identifier inside a reference, stored only as a blind index', async () => {
    const byIdOnly = await post('Observation', subjectById(mrn, 'Zq-778812'));
    const withReference = await post('Observation', subjectById(mrn, 'Zq-778812', `Patient/${ids.bo}`));
    const noSystem = await post('Observation', subjectById(undefined, 'Zq-778812'));
    const other = await post('Observation', subjectById(mrn, 'Zq-000001'));

    const found = (value: string) => search(`/fhir/Observation?subject:identifier=${encodeURIComponent(value)}`);
    expect(idsOf(await found(`${mrn}|Zq-778812`))).toEqual([byIdOnly, withReference].sort());
    expect(idsOf(await found('Zq-778812'))).toEqual([byIdOnly, withReference, noSystem].sort());
    expect(idsOf(await found('|Zq-778812'))).toEqual([noSystem]);
    expect(idsOf(await found('urn:other|Zq-778812'))).toEqual([]);
    expect(idsOf(await found(`${mrn}|Zq-000001`))).toEqual([other]);
    // The reference itself still serves a plain reference search.
    expect(idsOf(await search(`/fhir/Observation?subject=Patient/${ids.bo}&code=29463-7`))).toContain(withReference);

    const stored = await t.db.collection('resources').find({ type: 'Observation' }).toArray();
    expect(JSON.stringify(stored)).not.toContain('778812');
  });
});
