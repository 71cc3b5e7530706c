import type { Observation, Patient } from 'fhir/r4';
import type { LoadedData } from '../helpers/search-data.ts';
import { seededRandom } from '../helpers/search-data.ts';
import { edgeCountries, edgeDates, edgeQuantities, edgeStates } from './edge-cases.ts';
import type { QueryParam } from './oracle.ts';

/** A generated search: the type searched and its parameters (AND across pairs). */
export interface GeneratedQuery {
  resourceType: 'Patient' | 'Observation';
  params: QueryParam[];
}

const datePrefixes = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const;
const numberPrefixes = ['', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const;
const ucum = 'http://unitsofmeasure.org';

/**
 * Several hundred searches over the loaded data, deterministic for a seed: each parameter type
 * with its modifiers and prefixes (http://hl7.org/fhir/R4/search.html), values drawn from the
 * data (so that most queries match something) and around its edges.
 */
export function generateQueries(data: LoadedData, seed = 11): GeneratedQuery[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const pool = toPools(data);
  const queries: GeneratedQuery[] = [];
  const add = (resourceType: GeneratedQuery['resourceType'], ...params: QueryParam[]) =>
    queries.push({ resourceType, params });

  for (let i = 0; i < 20; i++) {
    const name = pick(pool.nameParts);
    const length = 1 + Math.floor(random() * Math.min(name.length, 14));
    const prefix = name.slice(0, length);
    add('Patient', [pick(['name', 'family', 'given']), i % 2 ? prefix.toUpperCase() : prefix]);
  }
  for (const text of ['jose', 'JOSÉ', 'muss', 'müß', 'pena', 'oster', 'zoe', 'mary ann', 'renee']) {
    add('Patient', ['name', text]);
  }
  for (let i = 0; i < 8; i++)
    add('Patient', [pick(['family:exact', 'given:exact']), pick(pool.nameParts)]);
  add('Patient', ['given:exact', 'jose']);
  add('Patient', ['name', `${pick(pool.nameParts)},${pick(pool.nameParts)}`]);

  for (const param of ['address-country', 'address-state']) {
    const values = param === 'address-country' ? [...edgeCountries, 'US'] : [...edgeStates, 'MA'];
    for (const v of values) {
      add('Patient', [param, v.slice(0, 3)]);
      add('Patient', [`${param}:exact`, v]);
      const middle = v.slice(2, 5).trim();
      if (middle) add('Patient', [`${param}:contains`, middle.toLowerCase()]);
    }
    add('Patient', [`${param}:exact`, values[0]!.toLowerCase()]);
    add('Patient', [`${param}:contains`, 'te ']);
  }

  for (const gender of ['male', 'female', 'other', 'unknown']) {
    add('Patient', ['gender', gender]);
    add('Patient', ['gender:not', gender]);
  }
  add('Patient', ['gender', 'male,female']);
  add('Patient', ['gender:missing', 'true'], ['gender:missing', 'false']);
  add('Patient', ['gender:missing', 'true']);
  for (const active of ['true', 'false']) {
    add('Patient', ['active', active]);
    add('Patient', ['active:not', active]);
    add('Patient', ['active:missing', active]);
    add('Patient', ['deceased', active]);
  }

  for (const prefix of datePrefixes.filter((p) => p !== 'ap')) {
    add('Patient', ['birthdate', `${prefix}${pick(pool.birthYears)}`]);
    add('Patient', ['birthdate', `${prefix}1970`]);
  }
  for (const value of ['1970-03', '1970-03-05', '1985-12-31', '2000-02', pick(pool.birthDays)]) {
    add('Patient', ['birthdate', value]);
    add('Patient', ['birthdate', `ne${value}`]);
  }
  add('Patient', ['birthdate:missing', 'true']);
  add('Patient', ['gender', 'female'], ['birthdate', 'ge1970'], ['birthdate', 'le1990']);

  for (let i = 0; i < 6; i++) {
    const identifier = pick(pool.identifiers);
    add('Patient', [
      'identifier',
      identifier.system ? `${identifier.system}|${identifier.value}` : identifier.value,
    ]);
    add('Patient', ['identifier', identifier.value]);
  }
  add('Patient', ['identifier', '|free-3']);
  add('Patient', ['identifier', 'http://example.org/mrn|']);

  for (const type of ['Patient', 'Observation'] as const) {
    const ids = type === 'Patient' ? pool.patientIds : pool.observationIds;
    add(type, ['_id', pick(ids)]);
    add(type, ['_id', `${pick(ids)},${pick(ids)},not-an-id`]);
    for (const prefix of ['gt', 'lt', 'ge', 'le', 'eq', 'sa', 'eb']) {
      add(type, ['_lastUpdated', `${prefix}${pick(pool.lastUpdatedSeconds[type])}`]);
    }
    add(type, ['_lastUpdated', `ge${pool.loadDay}`]);
  }

  addObservationQueries(add, pick, random, pool);
  return queries;
}

type Add = (resourceType: GeneratedQuery['resourceType'], ...params: QueryParam[]) => void;
type Pick = <T>(items: readonly T[]) => T;

function addObservationQueries(add: Add, pick: Pick, random: () => number, pool: Pools) {
  for (let i = 0; i < 25; i++) {
    const coding = pick(pool.codings);
    add('Observation', ['code', coding.code]);
    if (coding.system) add('Observation', ['code', `${coding.system}|${coding.code}`]);
    if (i % 3 === 0) add('Observation', ['code:not', coding.code]);
  }
  add('Observation', ['code', '|nosys']);
  add('Observation', ['code', 'http://loinc.org|']);
  add('Observation', ['code', 'http://loinc.org|2339-0,http://example.org/codes|EX-1']);
  add('Observation', ['code:missing', 'true']);
  for (const text of ['body', 'Glucose', 'ëxample', 'example', 'blood pressure', 'free text']) {
    add('Observation', ['code:text', text]);
  }
  for (const status of ['final', 'preliminary', 'amended', 'cancelled']) {
    add('Observation', ['status', status]);
    add('Observation', ['status:not', status]);
  }
  add('Observation', ['status', 'final,amended']);
  add('Observation', ['category', 'laboratory']);
  add('Observation', [
    'category',
    'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs',
  ]);
  add('Observation', ['category:missing', 'true']);

  const dateValues = [
    ...edgeDates,
    ...pool.effectiveSamples,
    '2020-02',
    '2019-11-30',
    '2020-03-01T00:00Z',
  ];
  for (const prefix of datePrefixes) {
    for (let i = 0; i < 7; i++) add('Observation', ['date', `${prefix}${pick(dateValues)}`]);
  }
  add('Observation', ['date', 'ge2019'], ['date', 'lt2020-06']);
  add('Observation', ['date', 'lt2000,gt2021']);
  add('Observation', ['date:missing', 'true']);

  const quantityValues = [
    ...edgeQuantities.map((q) => q.value!),
    ...pool.quantitySamples,
    100.0,
    1e2,
  ];
  for (const prefix of numberPrefixes) {
    for (let i = 0; i < 5; i++) {
      const q = pick(edgeQuantities);
      const number = formatNumber(pick(quantityValues), random);
      add('Observation', ['value-quantity', `${prefix}${number}`]);
      add('Observation', [
        'value-quantity',
        `${prefix}${number}|${q.system ?? ''}|${q.code ?? q.unit}`,
      ]);
    }
  }
  add('Observation', ['value-quantity', `100|${ucum}|mg/dL`]);
  add('Observation', ['value-quantity', '120||mmHg']);
  add('Observation', ['value-quantity', '120||mm[Hg]']);
  add('Observation', ['value-quantity', 'gt5'], ['value-quantity', 'lt100']);
  add('Observation', ['value-quantity:missing', 'false']);

  for (let i = 0; i < 8; i++) {
    const id = pick(pool.patientIds);
    add('Observation', ['subject', `Patient/${id}`]);
    add('Observation', ['patient', id]);
    if (i % 2 === 0) add('Observation', ['subject:Patient', id]);
    const coding = pick(pool.codings);
    add(
      'Observation',
      ['patient', `Patient/${id}`],
      ['code', coding.code],
      ['date', `ge${pick(dateValues)}`],
    );
  }
  add('Observation', [
    'subject',
    `Patient/${pick(pool.patientIds)},Patient/${pick(pool.patientIds)}`,
  ]);

  const composites: Array<[string, string]> = [
    ['code-value-quantity', `http://loinc.org|8302-2$gt100|${ucum}|cm`],
    ['code-value-quantity', 'http://loinc.org|2339-0$100'],
    ['code-value-quantity', 'http://loinc.org|2339-0$ge99.5'],
    ['code-value-quantity', `http://loinc.org|29463-7$lt80|${ucum}|kg`],
    ['code-value-quantity', 'EX-1$gt0'],
    ['component-code-value-quantity', 'http://loinc.org|8480-6$gt120'],
    ['component-code-value-quantity', `http://loinc.org|8462-4$le80|${ucum}|mm[Hg]`],
    ['component-code-value-quantity', 'http://loinc.org|8480-6$100'],
  ];
  for (const pair of composites) add('Observation', pair);
}

/** Numbers as written with different significant figures: `100`, `100.0`, `1e2`, `99.5`. */
function formatNumber(value: number, random: () => number): string {
  const r = random();
  if (r < 0.2 && Number.isInteger(value)) return `${value}.0`;
  if (r < 0.3 && value >= 10 && Number.isInteger(value))
    return value.toExponential(1).replace('+', '');
  if (r < 0.6) return String(Number(value.toPrecision(3)));
  return String(value);
}

interface Pools {
  nameParts: string[];
  identifiers: Array<{ system?: string; value: string }>;
  birthYears: string[];
  birthDays: string[];
  patientIds: string[];
  observationIds: string[];
  lastUpdatedSeconds: Record<'Patient' | 'Observation', string[]>;
  loadDay: string;
  codings: Array<{ system?: string; code: string }>;
  effectiveSamples: string[];
  quantitySamples: number[];
}

function toPools({ patients, observations }: LoadedData): Pools {
  const names = patients.flatMap((p: Patient) => p.name ?? []);
  const codings = observations.flatMap((o: Observation) => o.code.coding ?? []);
  const seconds = (items: Array<{ meta?: { lastUpdated?: string } }>) =>
    items.map((r) => r.meta!.lastUpdated!.slice(0, 19) + 'Z');
  return {
    nameParts: [
      ...new Set(names.flatMap((n) => [n.family ?? '', ...(n.given ?? [])]).filter(Boolean)),
    ],
    identifiers: patients.flatMap((p) =>
      (p.identifier ?? []).map((i) => ({ system: i.system, value: i.value! })),
    ),
    birthYears: patients.map((p) => p.birthDate?.slice(0, 4)).filter((y): y is string => !!y),
    birthDays: patients.map((p) => p.birthDate).filter((d): d is string => d?.length === 10),
    patientIds: patients.map((p) => p.id!),
    observationIds: observations.map((o) => o.id!),
    lastUpdatedSeconds: { Patient: seconds(patients), Observation: seconds(observations) },
    loadDay: patients[0]!.meta!.lastUpdated!.slice(0, 10),
    codings: codings.filter((c) => c.code).map((c) => ({ system: c.system, code: c.code! })),
    effectiveSamples: spread(
      observations.flatMap((o) => (o.effectiveDateTime ? [o.effectiveDateTime] : [])),
      40,
    ),
    quantitySamples: spread(
      observations.flatMap((o) =>
        o.valueQuantity?.value !== undefined ? [o.valueQuantity.value] : [],
      ),
      40,
    ),
  };
}

/** `count` items spaced evenly over the list, so samples span every patient. */
function spread<T>(items: T[], count: number): T[] {
  const step = Math.max(1, Math.floor(items.length / count));
  return items.filter((_, i) => i % step === 0).slice(0, count);
}
