import { createHmac } from 'node:crypto';
import type { Collection, Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FhirError } from '../../src/fhir/fhir-error.ts';
import { compileSearch, toMongoFilter } from '../../src/search/compile.ts';
import type { CompiledSearch } from '../../src/search/compile.ts';
import { supportsElemMatch, toUnwoundFilter } from '../../src/search/compile-unwind.ts';
import type { BlindIndexFn } from '../../src/search/index-entry.ts';
import { parseSearchRequest } from '../../src/search/parse.ts';
import { openTestDatabase } from '../helpers/database.ts';
import type { TestDatabase } from '../helpers/database.ts';

const blind: BlindIndexFn = (purpose, value) =>
  createHmac('sha256', 'test-blind-key').update(`${purpose}\u0000${value}`).digest('base64url');

/** Protected string entry, as the extractor writes it (extract-string.ts). */
function protectedString(p: string, exact: string, folded: string) {
  const chars = Array.from(folded);
  const hp = chars.slice(0, 12).map((_, i) => blind(`${p}:prefix`, chars.slice(0, i + 1).join('')));
  return { p, t: 'string', hs: blind(p, folded), he: blind(p, exact), hp };
}

function birthdate(written: string) {
  const yr = Number(written.slice(0, 4));
  const lo = new Date(Date.UTC(yr, 0, 1));
  const hi = new Date(Date.UTC(yr + 1, 0, 1));
  return { p: 'birthdate', t: 'date', lo, hi, hd: blind('birthdate', written), yr };
}

const loinc = 'http://loinc.org';
const ucum = 'http://unitsofmeasure.org';
const quantity = (n: number, extra: Document = {}) => ({ t: 'quantity', n, lo: n - 0.5, hi: n + 0.5, sys: ucum, code: 'mm[Hg]', unit: 'mmHg', ...extra });

function doc(type: string, id: string, lastUpdated: string, search: Document[], deleted = false) {
  return { _id: `${type}/${id}`, type, id, versionId: 1, lastUpdated: new Date(lastUpdated), deleted, compartments: [], search };
}

const documents = [
  doc('Patient', 'p1', '2024-01-01T10:00:00Z', [
    protectedString('family', 'Müller', 'muller'),
    { p: 'address-country', t: 'string', s: 'deutschland', e: 'Deutschland' },
    birthdate('1970-03-05'),
    { p: 'gender', t: 'token', code: 'female' },
    { p: 'identifier', t: 'token', sys: 'http://mrn', hc: blind('identifier', 'MRN1') },
    { p: 'phone', t: 'token', sys: 'phone', hc: blind('phone', '5550100') },
  ]),
  doc('Patient', 'p2', '2024-06-01T00:00:00Z', [
    protectedString('family', 'Mueller-Smith', 'mueller-smith'),
    { p: 'address-country', t: 'string', s: 'osterreich', e: 'Österreich' },
    birthdate('1970-03'),
    { p: 'gender', t: 'token', code: 'male' },
  ]),
  doc('Patient', 'p3', '2023-05-05T00:00:00Z', [birthdate('1985')]),
  doc('Patient', 'p4', '2024-01-01T10:00:00Z', [{ p: 'gender', t: 'token', code: 'female' }], true),
  doc('Observation', 'o1', '2024-01-01T00:00:00Z', [
    { p: 'subject', t: 'reference', ref: 'Patient/p1', rt: 'Patient', rid: 'p1' },
    { p: 'code', t: 'token', sys: loinc, code: '8480-6', x: 'systolic blood pressure' },
    { p: 'date', t: 'date', lo: new Date('2020-01-02T10:00:00Z'), hi: new Date('2020-01-02T10:00:01Z') },
    { p: 'value-quantity', ...quantity(120) },
    { p: 'value-string', t: 'string', s: 'a.b (c)', e: 'A.b (c)' },
    { p: 'code-value-quantity', t: 'composite', c: [{ t: 'token', sys: loinc, code: '8480-6' }, quantity(120)] },
  ]),
  doc('Observation', 'o2', '2024-01-01T00:00:00Z', [
    { p: 'subject', t: 'reference', ref: 'Patient/p2', rt: 'Patient', rid: 'p2' },
    { p: 'patient', t: 'reference', ref: 'Patient/p2', rt: 'Patient', rid: 'p2' },
    { p: 'code', t: 'token', sys: loinc, code: '8462-4', x: 'diastolic blood pressure' },
    { p: 'code', t: 'token', code: 'local-1' },
    { p: 'date', t: 'date', lo: new Date('2020-01-01T00:00:00Z'), hi: new Date('2020-02-01T00:00:00Z') },
    { p: 'value-quantity', ...quantity(80) },
    { p: 'code-value-quantity', t: 'composite', c: [{ t: 'token', sys: loinc, code: '8462-4' }, quantity(80)] },
  ]),
  // Holds 8480-6 and a value of 200, but never together: the composite must not pair them.
  doc('Observation', 'o3', '2024-01-01T00:00:00Z', [
    { p: 'subject', t: 'reference', ref: 'Patient/p9', rt: 'Patient', rid: 'p9', url: 'http://other.example/fhir/Patient/p9' },
    { p: 'code', t: 'token', sys: loinc, code: '8480-6' },
    { p: 'code', t: 'token', sys: loinc, code: '8462-4' },
    { p: 'value-quantity', ...quantity(200) },
    { p: 'value-quantity', ...quantity(90) },
    { p: 'code-value-quantity', t: 'composite', c: [{ t: 'token', sys: loinc, code: '8480-6' }, quantity(90)] },
    { p: 'code-value-quantity', t: 'composite', c: [{ t: 'token', sys: loinc, code: '8462-4' }, quantity(200)] },
    { p: '_profile', t: 'uri', u: 'http://example.org/fhir/StructureDefinition/bp' },
  ]),
];

let database: TestDatabase;
let collection: Collection;
let hasElemMatch: boolean;

beforeAll(async () => {
  database = await openTestDatabase();
  collection = database.db.collection('resources');
  await collection.insertMany(documents as unknown as Document[]);
  hasElemMatch = await supportsElemMatch(database.db);
});

afterAll(async () => {
  await database?.close();
});

const now = new Date('2020-06-01T00:00:00Z');

async function run(compiled: CompiledSearch): Promise<string[]> {
  const filter = hasElemMatch ? toMongoFilter(compiled) : await toUnwoundFilter(collection, compiled);
  const rows = await collection.find(filter, { projection: { id: 1 } }).toArray();
  return rows.map((row) => String(row.id)).sort();
}

async function search(type: string, query: string): Promise<string[]> {
  const parsed = parseSearchRequest(type, [...new URLSearchParams(query)], { strict: true });
  return run(compileSearch(parsed, blind, { now }));
}

function check(type: string, cases: Array<[string, string[]]>) {
  it.each(cases)(`${type}?%s finds %j`, async (query, expected) => {
    expect(await search(type, query)).toEqual(expected);
  });
}

describe('compiled filters on a real database', () => {
  describe('string', () => {
    check('Patient', [
      ['address-country=deut', ['p1']],
      ['address-country=DEUTSCH', ['p1']],
      ['address-country=osterr', ['p2']],
      ['address-country:exact=Deutschland', ['p1']],
      ['address-country:exact=deutschland', []],
      ['address-country:contains=tschl', ['p1']],
      ['address-country=deut,oster', ['p1', 'p2']],
      ['address-country=deut&address-country=oster', []],
    ]);
    check('Observation', [
      ['value-string:contains=.', ['o1']],
      ['value-string:contains=b (', ['o1']],
      ['value-string:contains=.*', []],
      ['value-string:contains=a|z', []],
    ]);
  });

  describe('protected string', () => {
    check('Patient', [
      ['family=mul', ['p1']],
      ['family=MÜL', ['p1']],
      ['family=mue', ['p2']],
      ['family=mueller-smit', ['p2']],
      ['family=mueller-smith', ['p2']],
      ['family:exact=Müller', ['p1']],
      ['family:exact=muller', []],
    ]);

    it('refuses :contains, saying why', async () => {
      const error = await search('Patient', 'family:contains=ll').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FhirError);
      expect((error as FhirError).diagnostics).toContain('blind');
    });
  });

  describe('token', () => {
    check('Patient', [
      ['gender=female', ['p1']],
      ['gender:not=female', ['p2', 'p3']],
      ['gender:missing=true', ['p3']],
      ['gender:missing=false', ['p1', 'p2']],
      ['identifier=MRN1', ['p1']],
      ['identifier=http://mrn|MRN1', ['p1']],
      ['identifier=http://other|MRN1', []],
      ['phone=555-0100', ['p1']],
      ['_id=p1,p3', ['p1', 'p3']],
      ['_id:not=p1', ['p2', 'p3']],
    ]);
    check('Observation', [
      ['code=8480-6', ['o1', 'o3']],
      ['code=http://loinc.org|8480-6', ['o1', 'o3']],
      ['code=http://other|8480-6', []],
      ['code=|local-1', ['o2']],
      ['code=|8480-6', []],
      ['code=http://loinc.org|', ['o1', 'o2', 'o3']],
      ['code:text=systolic', ['o1']],
      ['code:text=SYSTOLIC BL', ['o1']],
      ['code:text=diastolic,systolic', ['o1', 'o2']],
      ['code:text=blood', []],
    ]);
  });

  describe('date', () => {
    check('Observation', [
      ['date=2020-01-02', ['o1']],
      ['date=2020-01', ['o1', 'o2']],
      ['date=2020', ['o1', 'o2']],
      ['date=ne2020-01-02', ['o2']],
      ['date=gt2020-01-15', ['o2']],
      ['date=lt2020-01-02', ['o2']],
      ['date=ge2020-01-02', ['o1', 'o2']],
      ['date=le2020-01-02', ['o1', 'o2']],
      ['date=le2020-01-01', []],
      ['date=sa2020-01-01', ['o1']],
      ['date=eb2020-01-03', ['o1']],
      ['date=eb2020-01-02', []],
      [`date=${encodeURIComponent('2020-01-02T12:00+02:00')}`, ['o1']],
      ['date=2020-01-02T10:00', ['o1']],
      ['date=2020-01-02T10:00:00-01:00', []],
      ['date=ap2020-01-10', ['o1', 'o2']],
      ['date=ap2019-06-01', []],
      ['date:missing=true', ['o3']],
    ]);
    check('Patient', [
      ['_lastUpdated=gt2024-01-01', ['p2']],
      ['_lastUpdated=2024-01', ['p1']],
      ['_lastUpdated=le2024-01-01', ['p1', 'p3']],
      ['_lastUpdated=ge2024-01-01', ['p1', 'p2']],
      ['_lastUpdated=2024-01-01T10:00:00Z', ['p1']],
    ]);
  });

  describe('protected date', () => {
    check('Patient', [
      ['birthdate=1970-03-05', ['p1']],
      ['birthdate=1970-03', ['p1', 'p2']],
      ['birthdate=1970', ['p1', 'p2']],
      ['birthdate=gt1970', ['p3']],
      ['birthdate=le1985', ['p1', 'p2', 'p3']],
      ['birthdate=ne1970-03-05', ['p2', 'p3']],
    ]);

    it.each(['birthdate=gt1970-03-05', 'birthdate=1970-03-05T10:00', 'birthdate=ap1970'])(
      'refuses %s with a reason',
      async (query) => {
        const error = await search('Patient', query).catch((e: unknown) => e);
        expect((error as FhirError).status).toBe(400);
        expect((error as FhirError).diagnostics).toContain('year');
      },
    );
  });

  describe('number and quantity', () => {
    check('Observation', [
      ['value-quantity=120', ['o1']],
      ['value-quantity=1.2e2', ['o1']],
      ['value-quantity=gt100', ['o1', 'o3']],
      ['value-quantity=le80', ['o2']],
      ['value-quantity=ne120', ['o2', 'o3']],
      ['value-quantity=ap110', ['o1']],
      ['value-quantity=120|http://unitsofmeasure.org|mm[Hg]', ['o1']],
      ['value-quantity=120|http://other|mm[Hg]', []],
      ['value-quantity=120||mmHg', ['o1']],
      ['value-quantity=120||mm[Hg]', ['o1']],
      ['value-quantity=120||kg', []],
    ]);
  });

  describe('composite', () => {
    check('Observation', [
      ['code-value-quantity=http://loinc.org|8480-6$gt100', ['o1']],
      ['code-value-quantity=http://loinc.org|8480-6$gt150', []],
      ['code-value-quantity=8462-4$200', ['o3']],
      ['code-value-quantity=8462-4$lt100,8480-6$lt100', ['o2', 'o3']],
    ]);
  });

  describe('reference and uri', () => {
    check('Observation', [
      ['subject=Patient/p1', ['o1']],
      ['subject=p1', ['o1']],
      ['subject:Patient=p2', ['o2']],
      ['patient=p2', ['o2']],
      ['subject=http://other.example/fhir/Patient/p9', ['o3']],
      ['_profile=http://example.org/fhir/StructureDefinition/bp', ['o3']],
      ['_profile:below=http://example.org/fhir', ['o3']],
      ['_profile:below=http://example.org/fh', []],
      ['_profile:above=http://example.org/fhir/StructureDefinition/bp/extra', ['o3']],
    ]);
  });

  describe('values stay literal', () => {
    check('Patient', [
      [`address-country=${encodeURIComponent('{"$gt":""}')}`, []],
      [`address-country:exact=${encodeURIComponent('{"$ne":null}')}`, []],
      ['address-country:contains=.*', []],
      ['address-country:contains=%5E', []],
    ]);
  });

  describe('chains', () => {
    it('runs subject:Patient.gender once its inner search is resolved', async () => {
      const parsed = parseSearchRequest('Observation', [['subject:Patient.gender', 'male']], { strict: true });
      const [chain] = parsed.clauses;
      if (chain?.kind !== 'chain') throw new Error('expected a chain');
      const inner = compileSearch({ ...parsed, resourceTypes: [chain.targetType], clauses: [chain.next] }, blind);
      const refs = (await run(inner)).map((id) => `Patient/${id}`);
      const outer = compileSearch(parsed, blind, { chainResults: new Map([[chain, refs]]) });
      expect(await run(outer)).toEqual(['o2']);
    });

    it('refuses a chain nobody resolved', () => {
      const parsed = parseSearchRequest('Observation', [['subject.gender', 'male']], { strict: true });
      expect(() => compileSearch(parsed, blind)).toThrow(FhirError);
    });
  });
});
