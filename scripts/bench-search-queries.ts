import type { LoadedData } from '../test/helpers/search-data.ts';

/** A typical search, as a function of the loaded data so each run can vary its values. */
export interface SearchShape {
  name: string;
  /** The i-th request's path and query under the FHIR base. */
  url(data: LoadedData, i: number): string;
}

const loinc = 'http://loinc.org';

/** The searches issue #3 names: a patient's observations by code and date, name prefix, identifier, `_include`. */
export const searchShapes: SearchShape[] = [
  {
    name: 'patient obs by code + date range',
    url: (data, i) => {
      const { patient, code } = patientWithCode(data, i);
      return `/Observation?${params([
        ['patient', patient],
        ['code', `${loinc}|${code}`],
        ['date', 'ge2010-01-01'],
        ['date', 'lt2030-01-01'],
      ])}`;
    },
  },
  {
    name: 'patient name prefix',
    url: (data, i) => {
      const family = at(data.patients, i).name?.[0]?.family ?? 'A';
      return `/Patient?${params([['name', family.slice(0, 3)]])}`;
    },
  },
  {
    name: 'patient identifier',
    url: (data, i) => {
      const identifier = at(data.patients, i).identifier?.find((x) => x.system && x.value);
      return `/Patient?${params([['identifier', `${identifier?.system}|${identifier?.value}`]])}`;
    },
  },
  {
    name: 'obs by code + _include patient',
    url: (data, i) => {
      const { patient, code } = patientWithCode(data, i);
      return `/Observation?${params([
        ['patient', patient],
        ['code', `${loinc}|${code}`],
        ['_include', 'Observation:patient'],
      ])}`;
    },
  },
];

function patientWithCode(data: LoadedData, i: number): { patient: string; code: string } {
  const observation = at(data.observations, i * 7919);
  const patient = observation.subject?.reference?.split('/')[1] ?? '';
  const code = observation.code.coding?.find((c) => c.system === loinc)?.code ?? '';
  return { patient, code };
}

function at<T>(items: T[], i: number): T {
  return items[i % items.length]!;
}

function params(pairs: Array<[string, string]>): string {
  return new URLSearchParams(pairs).toString();
}
