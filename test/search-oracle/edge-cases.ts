import type { Observation, Patient, Period, Quantity } from 'fhir/r4';
import { seededRandom } from '../helpers/search-data.ts';
import type { PatientRecord } from '../helpers/search-data.ts';

/**
 * Generated resources at the corners of FHIR search semantics: date precisions and zones
 * (http://hl7.org/fhir/R4/search.html#date), Periods with open ends, quantities with units,
 * systems and significant figures (#quantity), missing values (#missing), several names and
 * given names with accents (#string), booleans and statuses (#token). All names are invented.
 */

export const edgeFamilies = ['Müßig', 'Peña', 'Øster', 'Zoë', 'Garcia', 'GARCÍA', 'Ng', 'Lee'];
export const edgeGivens = ['José', 'Jose', 'Renée', 'Ånja', 'Łukasz', 'Mary Ann', 'Al', 'Bo'];
export const edgeCountries = ['Österreich', 'España', 'USA', 'France', 'Côte d’Ivoire'];
export const edgeStates = ['Île-de-France', 'Massachusetts', 'Tirol', 'Cataluña'];

/** Date and dateTime values at every precision, with and without zones, extreme offsets. */
export const edgeDates = [
  '2019',
  '2019-12',
  '2020-01',
  '2020-02-29',
  '2020-03-01',
  '2020-03-01T00:00:00Z',
  '2020-02-29T23:30:00-12:00',
  '2020-03-01T13:00:00+14:00',
  '2020-03-01T10:15:30.250+02:00',
  '2020-03-01T23:59:59Z',
  '2020-06-15T12:00:00Z',
  '2020-12-31T23:00:00-05:00',
  '2021-01-01T09:00:00+14:00',
  '1999-12-31T23:59:59-12:00',
] as const;

export const edgePeriods: Period[] = [
  { start: '2020-01-15' },
  { end: '2020-02-15T12:00:00Z' },
  { start: '2019-11', end: '2020-03' },
  { start: '2020-03-01T00:00:00+14:00', end: '2020-03-01T23:00:00-12:00' },
  { start: '2020-06-01T08:00:00Z', end: '2020-06-01T09:00:00Z' },
];

const ucum = 'http://unitsofmeasure.org';
export const edgeQuantities: Quantity[] = [
  { value: 100, unit: 'mg/dL', system: ucum, code: 'mg/dL' },
  { value: 100.4, unit: 'mg/dL', system: ucum, code: 'mg/dL' },
  { value: 99.5, unit: 'mg/dL', system: ucum, code: 'mg/dL' },
  { value: 5.5, unit: 'mmol/L', system: ucum, code: 'mmol/L' },
  { value: 0.05, unit: 'g/L', system: ucum, code: 'g/L' },
  { value: 120, unit: 'mm[Hg]', system: ucum, code: 'mm[Hg]' },
  { value: 120, unit: 'mmHg' },
  { value: 37.2, unit: 'Cel', system: 'http://example.org/units', code: 'Cel' },
  { value: 1000, unit: 'count' },
  { value: -3, unit: 'Cel', system: ucum, code: 'Cel' },
  { value: 0, system: ucum, code: '1' },
];

/** Codes: LOINC, a local system, and a code without system; `text` only for one. */
export const edgeCodes = [
  { system: 'http://loinc.org', code: '2339-0', display: 'Glucose [Mass/volume] in Blood' },
  { system: 'http://loinc.org', code: '8310-5', display: 'Body temperature' },
  { system: 'http://example.org/codes', code: 'EX-1', display: 'Ëxample measurement' },
  { code: 'nosys', display: 'Code without system' },
] as const;

const statuses = ['final', 'preliminary', 'amended', 'cancelled', 'registered'] as const;

/** `count` patients, each with a few Observations, deterministic for a seed. */
export function generateEdgeRecords(count: number, seed = 7): PatientRecord[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const records: PatientRecord[] = [];
  for (let i = 0; i < count; i++) {
    const observations = Array.from({ length: 4 }, (_, k) =>
      toObservation(i * 4 + k, pick, random),
    );
    records.push({ patient: toPatient(i, pick, random), observations });
  }
  return records;
}

type Pick = <T>(items: readonly T[]) => T;

function toPatient(i: number, pick: Pick, random: () => number): Patient {
  const patient: Patient = {
    resourceType: 'Patient',
    name: [{ family: pick(edgeFamilies), given: [pick(edgeGivens), pick(edgeGivens)] }],
    identifier: [{ system: 'http://example.org/mrn', value: `EDGE-${i}` }, { value: `free-${i}` }],
  };
  if (i % 3 === 0) patient.name!.push({ use: 'nickname', given: [pick(edgeGivens)] });
  if (i % 5 !== 4) patient.gender = pick(['male', 'female', 'other', 'unknown'] as const);
  if (i % 4 !== 3) patient.active = random() < 0.5;
  if (i % 6 !== 5)
    patient.birthDate = pick(['1970', '1970-03', '1970-03-05', '1985-12-31', '2000-02-29']);
  if (i % 7 === 2) patient.deceasedDateTime = pick(edgeDates);
  if (i % 7 === 4) patient.deceasedBoolean = random() < 0.5;
  if (i % 2 === 0) {
    patient.address = [
      { country: pick(edgeCountries), state: pick(edgeStates), city: 'Testville' },
    ];
  }
  return patient;
}

function toObservation(n: number, pick: Pick, random: () => number): Observation {
  const coding = pick(edgeCodes);
  const observation: Observation = {
    resourceType: 'Observation',
    status: pick(statuses),
    code:
      n % 9 === 8
        ? { text: 'Free text only code' }
        : { coding: [{ ...coding }], text: coding.display },
  };
  if (n % 3 === 0) {
    observation.category = [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/observation-category',
            code: 'laboratory',
          },
        ],
      },
    ];
  }
  const effective = n % 5;
  if (effective <= 2) observation.effectiveDateTime = pick(edgeDates);
  if (effective === 3) observation.effectivePeriod = pick(edgePeriods);
  const value = n % 6;
  if (value <= 2) observation.valueQuantity = { ...pick(edgeQuantities) };
  if (value === 3) observation.valueBoolean = random() < 0.5;
  if (value === 4) observation.valueString = 'Clear text result';
  if (n % 8 === 1) {
    observation.component = [
      {
        code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
        valueQuantity: { ...pick(edgeQuantities) },
      },
      {
        code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] },
        valueQuantity: { ...pick(edgeQuantities) },
      },
    ];
  }
  return observation;
}
