import { servedResourceTypes } from '../search/definitions.ts';
import type { ServedResourceType } from '../search/definitions.ts';
import { FhirError } from '../fhir/fhir-error.ts';

/**
 * What Ward implements, per resource type: the single table that routes consult and that the
 * CapabilityStatement is generated from, so the two cannot drift.
 * Codes: http://hl7.org/fhir/R4/valueset-type-restful-interaction.html
 */
export const typeInteractions = {
  Patient: crudInteractions(),
  Observation: crudInteractions(),
  // Only the server writes AuditEvents (HIPAA.md, audit controls): no create, update or delete.
  AuditEvent: ['read', 'vread', 'history-instance', 'history-type', 'search-type'],
} as const satisfies Record<ServedResourceType, readonly string[]>;

export type TypeInteraction = (typeof typeInteractions)[ServedResourceType][number];

export const systemInteractions = ['history-system', 'search-system'] as const;

function crudInteractions() {
  return [
    'read',
    'vread',
    'update',
    'patch',
    'delete',
    'history-instance',
    'history-type',
    'create',
    'search-type',
  ] as const;
}

/** Narrows a URL's type segment to a served type, or answers 404 as the spec asks. */
export function requireServedType(type: string): ServedResourceType {
  if (!(servedResourceTypes as readonly string[]).includes(type)) {
    throw new FhirError('notFound', 'this server does not serve that resource type');
  }
  return type as ServedResourceType;
}

/** A served type that does not allow the interaction answers 405. */
export function requireInteraction(type: string, interaction: TypeInteraction): ServedResourceType {
  const served = requireServedType(type);
  if (!(typeInteractions[served] as readonly string[]).includes(interaction)) {
    throw new FhirError('methodNotAllowed', `${interaction} is not allowed on ${served}`);
  }
  return served;
}
