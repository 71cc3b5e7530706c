import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, fhirJson } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';

let t: TestApp;
const ids: string[] = [];
let beforeSecond: string;

beforeAll(async () => {
  t = await buildTestApp();
  for (const family of ['Histone', 'Histtwo', 'Histthree']) {
    const res = await t.app.inject({
      method: 'POST', url: '/fhir/Patient', headers: fhirJson, payload: { resourceType: 'Patient', name: [{ family }] },
    });
    ids.push(res.json().id);
    if (family === 'Histone') {
      await new Promise((r) => setTimeout(r, 20));
      beforeSecond = new Date().toISOString();
    }
  }
  await t.app.inject({
    method: 'POST', url: '/fhir/Observation', headers: fhirJson,
    payload: { resourceType: 'Observation', status: 'final', code: { text: 'hist' }, subject: { reference: `Patient/${ids[0]}` } },
  });
});
afterAll(async () => {
  await t.close();
});

describe('GET /fhir/_history and /fhir/[type]/_history', () => {
  it('lists every version at system and type level, newest first', async () => {
    const system = (await t.app.inject({ url: '/fhir/_history?_count=500' })).json();
    const type = (await t.app.inject({ url: '/fhir/Patient/_history' })).json();

    // Every request writes an AuditEvent, and those are resources too: look past them.
    const clinical = system.entry.filter((e: any) => e.resource?.resourceType !== 'AuditEvent');
    expect(system.type).toBe('history');
    expect(clinical).toHaveLength(4);
    expect(clinical[0].resource.resourceType).toBe('Observation');
    expect(type.total).toBe(3);
    expect(type.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual([...ids].reverse());
    expect(type.entry[0].request).toEqual({ method: 'POST', url: 'Patient' });
  });

  it('pages with _count and an opaque next link that walks every entry once', async () => {
    const seen: string[] = [];
    let url: string | undefined = '/fhir/Patient/_history?_count=2';
    while (url) {
      const page: { entry: Array<{ resource: { id: string } }>; link: Array<{ relation: string; url: string }> } = (await t.app.inject({ url })).json();
      expect(page.entry.length).toBeLessThanOrEqual(2);
      seen.push(...page.entry.map((e: { resource: { id: string } }) => e.resource.id));
      const next = page.link.find((l) => l.relation === 'next');
      url = next ? next.url.replace(/^https?:\/\/[^/]+/, '') : undefined;
    }
    expect(seen).toEqual([...ids].reverse());
  });

  it('filters with _since', async () => {
    const page = (await t.app.inject({ url: `/fhir/Patient/_history?_since=${encodeURIComponent(beforeSecond)}` })).json();
    expect(page.total).toBe(2);
  });

  it('refuses a forged page token, a malformed _since and an unknown parameter with 400', async () => {
    const forged = await t.app.inject({ url: '/fhir/_history?_page=eyJ0IjoxfQ.AAAA' });
    const since = await t.app.inject({ url: '/fhir/_history?_since=yesterday' });
    const unknown = await t.app.inject({ url: '/fhir/_history?foo=1' });
    for (const res of [forged, since, unknown]) {
      expect(res.statusCode).toBe(400);
      expect(res.json().resourceType).toBe('OperationOutcome');
    }
  });
});
