import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const fhirJson = 'application/fhir+json';

/**
 * The Patient resources of the Synthea transaction bundles in `folder`, without their `id`
 * (the server assigns ids on create). Each bundle holds one Patient.
 */
export async function loadSyntheaPatients(folder: string): Promise<Record<string, unknown>[]> {
  const files = (await readdir(folder)).filter((f) => f.endsWith('.json') && f !== 'manifest.json');
  const patients: Record<string, unknown>[] = [];
  for (const file of files.sort()) {
    const bundle: unknown = JSON.parse(await readFile(join(folder, file), 'utf8'));
    for (const resource of bundleResources(bundle)) {
      if (resource.resourceType !== 'Patient') continue;
      const { id: _dropped, ...withoutId } = resource;
      patients.push(withoutId);
    }
  }
  if (patients.length === 0) throw new Error(`no Patient resources in ${folder}`);
  return patients;
}

function bundleResources(bundle: unknown): Record<string, unknown>[] {
  const entries = (bundle as { entry?: unknown } | null)?.entry;
  if (!Array.isArray(entries)) return [];
  return entries
    .map((entry: unknown) => (entry as { resource?: unknown } | null)?.resource)
    .filter((r): r is Record<string, unknown> => typeof r === 'object' && r !== null);
}

/**
 * Creates `count` Patients through the server's own create route, cycling through `patients`
 * when there are fewer of them, `concurrency` at a time. Returns the ids the server assigned.
 */
export async function seedPatients(
  baseUrl: string,
  patients: readonly Record<string, unknown>[],
  count: number,
  authorization?: string,
  concurrency = 8,
): Promise<string[]> {
  const ids: string[] = new Array<string>(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      ids[i] = await createPatient(baseUrl, patients[i % patients.length]!, authorization);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return ids;
}

async function createPatient(
  baseUrl: string,
  patient: Record<string, unknown>,
  authorization: string | undefined,
): Promise<string> {
  const response = await fetch(`${baseUrl}/Patient`, {
    method: 'POST',
    headers: {
      'content-type': fhirJson,
      accept: fhirJson,
      ...(authorization ? { authorization } : {}),
    },
    body: JSON.stringify(patient),
  });
  const body: unknown = await response.json().catch(() => undefined);
  const id = (body as { id?: unknown } | undefined)?.id;
  // Status only: an error body could echo what was sent.
  if (response.status !== 201 || typeof id !== 'string') {
    throw new Error(`seeding ${baseUrl}: create answered ${response.status}`);
  }
  return id;
}
