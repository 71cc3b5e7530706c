import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Binary } from 'mongodb';
import { buildTestApp, fhirJson } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

// Distinctive, obviously fake values that must never appear in the database or the logs.
const marker = {
  family: 'Zqxwvutsr',
  given: 'Kjhgfdsaq',
  birthDate: '1931-07-23',
  identifier: 'MRN-98127364',
  phone: '555-0199-7788',
  email: 'zqxw.kjhg@example.invalid',
  line: '4242 Quuxbarfoo Lane',
  city: 'Plughville',
  postalCode: '98765-4321',
};

const distinctivePatient = {
  resourceType: 'Patient',
  identifier: [{ system: 'urn:oid:1.2.36.146.595.217.0.1', value: marker.identifier }],
  name: [{ family: marker.family, given: [marker.given] }],
  telecom: [
    { system: 'phone', value: marker.phone },
    { system: 'email', value: marker.email },
  ],
  birthDate: marker.birthDate,
  address: [{ line: [marker.line], city: marker.city, postalCode: marker.postalCode }],
};

/** Every document of every collection as text, binary fields decoded too. */
async function dumpDatabase(): Promise<string> {
  const parts: string[] = [];
  for (const { name } of await t.db.listCollections().toArray()) {
    for (const doc of await t.db.collection(name).find().toArray()) {
      parts.push(JSON.stringify(doc, (_k, v) => (v instanceof Binary ? Buffer.from(v.buffer).toString('latin1') : v)));
    }
  }
  return parts.join('\n');
}

describe('PHI at rest', () => {
  it('stores none of a patient’s identifying values in any collection, in any form', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: fhirJson, payload: distinctivePatient });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    await t.app.inject({
      method: 'PUT', url: `/fhir/Patient/${id}`, headers: fhirJson, payload: { ...distinctivePatient, id, gender: 'unknown' },
    });

    const dump = (await dumpDatabase()).toLowerCase();
    for (const value of Object.values(marker)) {
      expect(dump).not.toContain(value.toLowerCase());
    }
    // The folded forms an index might keep must not be there either.
    expect(dump).not.toContain('zqxwvutsr');
    expect(dump).not.toContain('98127364');
    expect(dump).not.toContain('1931-07-23');
  });

  it('keeps the same values out of the log', async () => {
    await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: fhirJson, payload: distinctivePatient });
    await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: fhirJson, payload: { ...distinctivePatient, birthDate: 42 } });
    await t.app.inject({ url: `/fhir/Patient/${marker.identifier}` });
    await t.app.inject({ url: `/fhir/_history?_since=${marker.birthDate}` });

    const log = t.logLines().join('\n');
    expect(log).toContain('request completed');
    for (const value of Object.values(marker)) expect(log).not.toContain(value);
  });
});

describe('tampered ciphertext', () => {
  it('fails the read with a clean 500 that says the integrity check failed', async () => {
    const created = (await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: fhirJson, payload: distinctivePatient })).json();
    const resources = t.db.collection<{ _id: string; body: { c: Binary } }>('resources');
    const doc = await resources.findOne({ _id: `Patient/${created.id}` });
    const bytes = Buffer.from(doc!.body.c.buffer);
    bytes[10] = bytes[10]! ^ 0xff;
    await resources.updateOne({ _id: `Patient/${created.id}` }, { $set: { 'body.c': new Binary(bytes) } });

    const res = await t.app.inject({ url: `/fhir/Patient/${created.id}` });
    expect(res.statusCode).toBe(500);
    expect(res.json().issue[0].diagnostics).toContain('integrity check');
    expect(res.body).not.toContain(marker.family);
  });

  it('refuses a body moved onto another resource', async () => {
    const a = (await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: fhirJson, payload: distinctivePatient })).json();
    const b = (await t.app.inject({ method: 'POST', url: '/fhir/Patient', headers: fhirJson, payload: { resourceType: 'Patient' } })).json();
    const resources = t.db.collection<{ _id: string; body: unknown }>('resources');
    const source = await resources.findOne({ _id: `Patient/${a.id}` });
    await resources.updateOne({ _id: `Patient/${b.id}` }, { $set: { body: source!.body } });

    const res = await t.app.inject({ url: `/fhir/Patient/${b.id}` });
    expect(res.statusCode).toBe(500);
    expect(res.json().issue[0].diagnostics).toContain('integrity check');
  });
});
