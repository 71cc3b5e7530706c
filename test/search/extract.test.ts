import type { Observation, Patient, Resource } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { extractIndex } from '../../src/search/extract.ts';
import type { BlindIndexFn, IndexEntry } from '../../src/search/index-entry.ts';

/** A visible stand-in for the HMAC: enough to see what was blinded under which purpose. */
const blind: BlindIndexFn = (purpose, value) => `hmac(${purpose}|${value})`;
/** An opaque one, for checks that no clear value survives anywhere in the entries. */
const opaque: BlindIndexFn = (purpose, value) =>
  `h${[...`${purpose}|${value}`].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7)}`;

function entriesOf(resource: Resource, code: string, fn: BlindIndexFn = blind): IndexEntry[] {
  return extractIndex(resource, fn).filter((e) => e.p === code);
}

const observation = (extra: Partial<Observation>): Observation => ({
  resourceType: 'Observation',
  id: 'obs-1',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8302-2', display: 'Body Height' }] },
  ...extra,
});

describe('extractIndex', () => {
  describe('string parameters', () => {
    it('folds case and accents and keeps the exact form', () => {
      const obs = observation({ valueString: 'Très  Élevé' });
      expect(entriesOf(obs, 'value-string')).toEqual([
        { p: 'value-string', t: 'string', s: 'tres eleve', e: 'Très  Élevé' },
      ]);
    });

    it('indexes each part of a HumanName as its own protected entry', () => {
      const patient: Patient = {
        resourceType: 'Patient',
        name: [{ family: 'Öztürk', given: ['Ayşe', 'Nur'], prefix: ['Dr.'] }],
      };
      const name = entriesOf(patient, 'name');
      expect(name.map((e) => (e.t === 'string' ? e.hs : undefined))).toEqual([
        'hmac(name|ozturk)',
        'hmac(name|ayse)',
        'hmac(name|nur)',
        'hmac(name|dr.)',
      ]);
      expect(name[0]).toMatchObject({ he: 'hmac(name|Öztürk)' });
      expect(name[0]).toMatchObject({
        hp: ['o', 'oz', 'ozt', 'oztu', 'oztur', 'ozturk'].map((p) => `hmac(name:prefix|${p})`),
      });
    });

    it('stores at most 12 prefixes of a long protected value', () => {
      const patient: Patient = {
        resourceType: 'Patient',
        name: [{ family: 'Wolfeschlegelsteinhausen' }],
      };
      const [family] = entriesOf(patient, 'family');
      expect(family?.t === 'string' && family.hp).toHaveLength(12);
    });

    it('codes name parts phonetically for phonetic, blinded', () => {
      const patient: Patient = {
        resourceType: 'Patient',
        name: [{ family: 'Rupert', given: ['Ann'] }],
      };
      expect(entriesOf(patient, 'phonetic')).toEqual([
        { p: 'phonetic', t: 'string', hs: 'hmac(phonetic|r163)' },
        { p: 'phonetic', t: 'string', hs: 'hmac(phonetic|a500)' },
      ]);
    });

    it('indexes each address part, and only the state and country in clear', () => {
      const patient: Patient = {
        resourceType: 'Patient',
        address: [
          {
            line: ['1 Main St'],
            city: 'Springfield',
            state: 'MA',
            postalCode: '01101',
            country: 'US',
          },
        ],
      };
      expect(entriesOf(patient, 'address')).toHaveLength(5);
      expect(entriesOf(patient, 'address-state')).toEqual([
        { p: 'address-state', t: 'string', s: 'ma', e: 'MA' },
      ]);
      expect(entriesOf(patient, 'address-city')[0]).not.toHaveProperty('s');
    });
  });

  describe('protected parameters', () => {
    it('never carry a clear value of a name, address, telecom, identifier or birth date', () => {
      const marker = 'Qzxvbrmt';
      const patient: Patient = {
        resourceType: 'Patient',
        id: 'p1',
        name: [{ family: marker, given: [marker], text: `${marker} ${marker}` }],
        address: [
          { line: [`${marker} Road`], city: marker, postalCode: `${marker}9`, district: marker },
        ],
        telecom: [
          { system: 'email', value: `${marker}@example.org` },
          { system: 'phone', value: '+1 (555) 010-7391' },
        ],
        identifier: [{ system: 'urn:ssn', value: `${marker}-999` }],
        birthDate: '1970-03-04',
        deceasedDateTime: '2020-05-06T07:08:09Z',
      };
      const text = JSON.stringify(extractIndex(patient, opaque)).toLowerCase();
      for (const clear of [
        marker.toLowerCase(),
        '5550107391',
        '010-7391',
        '03-04',
        '05-06',
        '1970-03',
      ]) {
        expect(text).not.toContain(clear);
      }
    });

    it('blinds telecom values after normalizing phone digits and e-mail case', () => {
      const patient: Patient = {
        resourceType: 'Patient',
        telecom: [
          { system: 'phone', value: '(555) 010-7391' },
          { system: 'email', value: 'Some.One@Example.org' },
        ],
      };
      expect(entriesOf(patient, 'phone')).toEqual([
        { p: 'phone', t: 'token', sys: 'phone', hc: 'hmac(phone|5550107391)' },
      ]);
      expect(entriesOf(patient, 'email')).toEqual([
        { p: 'email', t: 'token', sys: 'email', hc: 'hmac(email|some.one@example.org)' },
      ]);
      expect(entriesOf(patient, 'telecom')).toHaveLength(2);
    });

    it('keeps the identifier system in clear and blinds the value', () => {
      const patient: Patient = {
        resourceType: 'Patient',
        identifier: [
          {
            system: 'http://hospital.example/mrn',
            value: 'MRN-1',
            type: { text: 'Medical Record' },
          },
        ],
      };
      expect(entriesOf(patient, 'identifier')).toEqual([
        {
          p: 'identifier',
          t: 'token',
          sys: 'http://hospital.example/mrn',
          hc: 'hmac(identifier|MRN-1)',
          x: 'medical record',
        },
      ]);
    });

    it('keeps only the year of a birth date in clear, with a year-wide interval', () => {
      const patient: Patient = { resourceType: 'Patient', birthDate: '1970-03-04' };
      expect(entriesOf(patient, 'birthdate')).toEqual([
        {
          p: 'birthdate',
          t: 'date',
          lo: new Date('1970-01-01T00:00:00Z'),
          hi: new Date('1971-01-01T00:00:00Z'),
          hd: 'hmac(birthdate|1970-03-04)',
          yr: 1970,
        },
      ]);
    });

    it('blinds a death date at day precision and says deceased', () => {
      const patient: Patient = {
        resourceType: 'Patient',
        deceasedDateTime: '2020-05-06T07:08:09+02:00',
      };
      expect(entriesOf(patient, 'death-date')[0]).toMatchObject({
        hd: 'hmac(death-date|2020-05-06)',
        yr: 2020,
      });
      expect(entriesOf(patient, 'deceased')).toEqual([{ p: 'deceased', t: 'token', code: 'true' }]);
    });
  });

  describe('token parameters', () => {
    it('gives one entry per coding plus the concept text for :text', () => {
      const obs = observation({
        code: {
          coding: [
            { system: 'http://loinc.org', code: '8480-6', display: 'Systolic BP' },
            { system: 'http://snomed.info/sct', code: '271649006' },
          ],
          text: 'Blood Pressure',
        },
      });
      expect(entriesOf(obs, 'code')).toEqual([
        { p: 'code', t: 'token', sys: 'http://loinc.org', code: '8480-6', x: 'systolic bp' },
        { p: 'code', t: 'token', sys: 'http://snomed.info/sct', code: '271649006' },
        { p: 'code', t: 'token', x: 'blood pressure' },
      ]);
    });

    it('indexes codes, ids and booleans as codes', () => {
      const patient: Patient = {
        resourceType: 'Patient',
        id: 'abc',
        gender: 'female',
        active: false,
      };
      expect(entriesOf(patient, '_id')).toEqual([{ p: '_id', t: 'token', code: 'abc' }]);
      expect(entriesOf(patient, 'gender')).toEqual([{ p: 'gender', t: 'token', code: 'female' }]);
      expect(entriesOf(patient, 'active')).toEqual([{ p: 'active', t: 'token', code: 'false' }]);
      expect(entriesOf(patient, 'deceased')).toEqual([
        { p: 'deceased', t: 'token', code: 'false' },
      ]);
    });
  });

  describe('reference parameters', () => {
    it('reads relative, versioned and absolute references and skips contained ones', () => {
      const obs = observation({
        subject: { reference: 'Patient/123/_history/2' },
        performer: [
          { reference: 'https://other.example/fhir/Practitioner/p9' },
          { reference: '#contained-1' },
          { reference: 'urn:oid:1.2.3' },
        ],
      });
      expect(entriesOf(obs, 'subject')).toEqual([
        { p: 'subject', t: 'reference', ref: 'Patient/123', rt: 'Patient', rid: '123' },
      ]);
      expect(entriesOf(obs, 'performer')).toEqual([
        {
          p: 'performer',
          t: 'reference',
          ref: 'Practitioner/p9',
          rt: 'Practitioner',
          rid: 'p9',
          url: 'https://other.example/fhir/Practitioner/p9',
        },
        { p: 'performer', t: 'reference', url: 'urn:oid:1.2.3' },
      ]);
    });

    it('indexes patient only when the subject is a Patient', () => {
      const toGroup = observation({ subject: { reference: 'Group/g1' } });
      const toPatient = observation({ subject: { reference: 'Patient/p1' } });
      expect(entriesOf(toGroup, 'patient')).toEqual([]);
      expect(entriesOf(toPatient, 'patient')).toHaveLength(1);
    });
  });

  describe('date parameters', () => {
    it('reads every form of the effective choice type', () => {
      const at = entriesOf(observation({ effectiveDateTime: '2021-03' }), 'date');
      const instant = entriesOf(
        observation({ effectiveInstant: '2021-03-04T05:06:07.000Z' }),
        'date',
      );
      const period = entriesOf(observation({ effectivePeriod: { start: '2021-03-04' } }), 'date');
      expect(at).toEqual([
        {
          p: 'date',
          t: 'date',
          lo: new Date('2021-03-01T00:00:00Z'),
          hi: new Date('2021-04-01T00:00:00Z'),
        },
      ]);
      expect(instant[0]).toMatchObject({ lo: new Date('2021-03-04T05:06:07.000Z') });
      expect(period).toEqual([
        { p: 'date', t: 'date', lo: new Date('2021-03-04T00:00:00Z'), hi: new Date(8.64e15) },
      ]);
    });

    it('opens a Period without start to the beginning of time and ends at its end day', () => {
      const obs = observation({ effectivePeriod: { end: '2021-03-04' } });
      expect(entriesOf(obs, 'date')).toEqual([
        { p: 'date', t: 'date', lo: new Date(-8.64e15), hi: new Date('2021-03-05T00:00:00Z') },
      ]);
    });

    it('spans a Timing over its events and bounds', () => {
      const obs = observation({
        effectiveTiming: {
          event: ['2021-05-01T10:00:00Z', '2021-04-01'],
          repeat: { boundsPeriod: { start: '2021-04-15', end: '2021-06' } },
        },
      });
      expect(entriesOf(obs, 'date')).toEqual([
        {
          p: 'date',
          t: 'date',
          lo: new Date('2021-04-01T00:00:00Z'),
          hi: new Date('2021-07-01T00:00:00Z'),
        },
      ]);
    });
  });

  describe('quantity parameters', () => {
    it('keeps value, significant-figure range, system, code and unit', () => {
      const obs = observation({
        valueQuantity: { value: 72.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
      });
      expect(entriesOf(obs, 'value-quantity')).toEqual([
        {
          p: 'value-quantity',
          t: 'quantity',
          n: 72.5,
          lo: 72.45,
          hi: 72.55,
          sys: 'http://unitsofmeasure.org',
          code: 'kg',
          unit: 'kg',
        },
      ]);
    });

    it('opens the range on the side of a comparator', () => {
      const obs = observation({ valueQuantity: { value: 5, comparator: '<' } });
      expect(entriesOf(obs, 'value-quantity')[0]).toMatchObject({
        lo: -Number.MAX_VALUE,
        hi: 5.5,
      });
    });

    it('takes the origin of SampledData', () => {
      const obs = observation({
        valueSampledData: { origin: { value: 2048 }, dimensions: 1, period: 10, data: '1 2 3' },
      });
      expect(entriesOf(obs, 'value-quantity')[0]).toMatchObject({ t: 'quantity', n: 2048 });
    });
  });

  describe('composite parameters', () => {
    const bloodPressure = observation({
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
      component: [
        {
          code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
          valueQuantity: { value: 120, system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
        },
        {
          code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] },
          valueQuantity: { value: 80, system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
        },
      ],
    });

    it('keeps each component code paired with its own value', () => {
      const pairs = entriesOf(bloodPressure, 'component-code-value-quantity').map((e) =>
        e.t === 'composite' ? e.c.map((c) => ('code' in c ? c.code : undefined)) : [],
      );
      const values = entriesOf(bloodPressure, 'component-code-value-quantity').map((e) =>
        e.t === 'composite' ? e.c.map((c) => ('n' in c ? c.n : undefined)) : [],
      );
      expect(pairs).toEqual([
        ['8480-6', 'mm[Hg]'],
        ['8462-4', 'mm[Hg]'],
      ]);
      expect(values).toEqual([
        [undefined, 120],
        [undefined, 80],
      ]);
    });

    it('has no entry for a context lacking a component', () => {
      expect(entriesOf(bloodPressure, 'code-value-quantity')).toEqual([]);
      expect(entriesOf(bloodPressure, 'combo-code-value-quantity')).toHaveLength(2);
    });

    it('stores components without their parameter code, in definition order', () => {
      const obs = observation({ valueQuantity: { value: 180, code: 'cm' } });
      expect(entriesOf(obs, 'code-value-quantity')).toEqual([
        {
          p: 'code-value-quantity',
          t: 'composite',
          c: [
            { t: 'token', sys: 'http://loinc.org', code: '8302-2', x: 'body height' },
            { t: 'quantity', n: 180, lo: 179.5, hi: 180.5, code: 'cm' },
          ],
        },
      ]);
    });
  });

  describe('value choice types', () => {
    it('indexes value-string from a string and from a CodeableConcept text', () => {
      const fromText = observation({ valueCodeableConcept: { text: 'Positive' } });
      expect(entriesOf(fromText, 'value-string')).toEqual([
        { p: 'value-string', t: 'string', s: 'positive', e: 'Positive' },
      ]);
      expect(entriesOf(fromText, 'value-concept')).toEqual([
        { p: 'value-concept', t: 'token', x: 'positive' },
      ]);
      expect(entriesOf(fromText, 'value-quantity')).toEqual([]);
    });
  });
});
