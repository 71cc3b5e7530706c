import type { Observation, Patient, Resource } from 'fhir/r4';
import { loadRecords, readSyntheaRecords } from '../test/helpers/search-data.ts';
import type { LoadedData, PatientRecord } from '../test/helpers/search-data.ts';
import { fhirJson } from './bench-seed.ts';

/**
 * Grows a Ward database to a target number of resources with Synthea Patients and their
 * Observations, through the server's own create route. Past the 60 Synthea patients the
 * records repeat as new patients (new ids; identifier values suffixed with the round, so that
 * identifier searches still find one patient).
 */
export class SearchSeeder {
  private readonly records: PatientRecord[] = readSyntheaRecords({ maxObservations: Infinity });
  private round = 0;
  private nextRecord = 0;
  readonly loaded: LoadedData = { patients: [], observations: [] };

  constructor(
    private readonly baseUrl: string,
    private readonly token: () => Promise<string>,
    private readonly concurrency = 8,
  ) {}

  get size(): number {
    return this.loaded.patients.length + this.loaded.observations.length;
  }

  /** Loads whole patient records until at least `target` resources are stored. */
  async growTo(target: number): Promise<void> {
    while (this.size < target) {
      const record = this.takeRecord(target - this.size - 1);
      const data = await loadRecords([record], (r) => this.create(r), this.concurrency);
      this.loaded.patients.push(...data.patients);
      this.loaded.observations.push(...data.observations);
    }
  }

  private takeRecord(maxObservations: number): PatientRecord {
    const source = this.records[this.nextRecord]!;
    const round = this.round;
    this.nextRecord = (this.nextRecord + 1) % this.records.length;
    if (this.nextRecord === 0) this.round += 1;
    const patient: Patient = {
      ...source.patient,
      identifier: source.patient.identifier?.map((i) =>
        round === 0 ? i : { ...i, value: `${i.value}-r${round}` },
      ),
    };
    const observations: Observation[] = source.observations.slice(0, Math.max(0, maxObservations));
    return { patient, observations };
  }

  private async create(resource: Resource): Promise<Resource> {
    const response = await fetch(`${this.baseUrl}/${resource.resourceType}`, {
      method: 'POST',
      headers: {
        'content-type': fhirJson,
        accept: fhirJson,
        authorization: `Bearer ${await this.token()}`,
      },
      body: JSON.stringify(resource),
    });
    // Status only: an error body could echo what was sent.
    if (response.status !== 201) throw new Error(`seeding: create answered ${response.status}`);
    return (await response.json()) as Resource;
  }
}
