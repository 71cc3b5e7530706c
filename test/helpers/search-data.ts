import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Observation, Patient, Resource } from 'fhir/r4';
import { syntheaDir } from './shared-data.ts';

/**
 * Search test data: Synthea patients with their Observations, loaded through the REST API so
 * that every resource is indexed by the same path a client's write takes. Plain module (no
 * vitest imports): the search benchmark uses it too.
 */

/** A patient and the Observations whose subject is that patient, not yet loaded. */
export interface PatientRecord {
  patient: Patient;
  observations: Observation[];
}

/** What the server stored: the created resources, as the create responses returned them. */
export interface LoadedData {
  patients: Patient[];
  observations: Observation[];
}

/** Creates one resource and answers the stored resource (the 201 body). */
export type CreateFn = (resource: Resource) => Promise<Resource>;

/** A deterministic generator in [0, 1) (mulberry32), so runs and failures are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The Synthea bundle files in name order (stable across machines). */
export function listSyntheaFiles(): string[] {
  return readdirSync(syntheaDir)
    .filter((name) => name.endsWith('.json') && name !== 'manifest.json')
    .sort();
}

/**
 * Reads Synthea bundles into patient records until `maxObservations` Observations are taken
 * (whole patients only; a patient's Observations are capped at `maxPerPatient`, oldest dropped
 * last so that date ranges stay spread). Only Patient and Observation are served types here.
 */
export function readSyntheaRecords(options: {
  maxObservations: number;
  maxPerPatient?: number;
  files?: string[];
}): PatientRecord[] {
  const records: PatientRecord[] = [];
  let taken = 0;
  for (const file of options.files ?? listSyntheaFiles()) {
    if (taken >= options.maxObservations) break;
    const record = toRecord(JSON.parse(readFileSync(join(syntheaDir, file), 'utf8')) as Bundle);
    if (!record) continue;
    const cap = Math.min(options.maxPerPatient ?? Infinity, options.maxObservations - taken);
    record.observations = spreadPick(record.observations, cap);
    taken += record.observations.length;
    records.push(record);
  }
  return records;
}

function toRecord(bundle: Bundle): PatientRecord | undefined {
  const resources = (bundle.entry ?? []).map((entry) => entry.resource);
  const patient = resources.find((r): r is Patient => r?.resourceType === 'Patient');
  if (!patient) return undefined;
  const observations = resources.filter((r): r is Observation => r?.resourceType === 'Observation');
  return { patient, observations };
}

/** Every k-th element so that a capped list still spans the whole record. */
function spreadPick<T>(items: T[], cap: number): T[] {
  if (items.length <= cap) return items;
  const step = items.length / cap;
  return Array.from({ length: cap }, (_, i) => items[Math.floor(i * step)]!);
}

/**
 * Loads records: each Patient first, then its Observations with `subject` pointing at the id the
 * server assigned (Synthea's `urn:uuid:` references only resolve inside their transaction).
 * Encounter references are dropped: Encounters are not served.
 */
export async function loadRecords(
  records: PatientRecord[],
  create: CreateFn,
  concurrency = 4,
): Promise<LoadedData> {
  const loaded: LoadedData = { patients: [], observations: [] };
  for (const record of records) {
    const patient = (await create(withoutId(record.patient))) as Patient;
    loaded.patients.push(patient);

    const bodies = record.observations.map((observation) => {
      const { encounter: _encounter, ...rest } = withoutId(observation);
      return { ...rest, subject: { reference: `Patient/${patient.id}` } } as Observation;
    });
    const stored = await mapLimited(bodies, concurrency, (body) => create(body));
    loaded.observations.push(...(stored as Observation[]));
  }
  return loaded;
}

function withoutId<T extends Resource>(resource: T): T {
  const { id: _id, ...rest } = resource;
  return rest as T;
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimited<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
