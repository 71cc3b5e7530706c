import type { CapabilityStatement, CapabilityStatementRestResource } from 'fhir/r4';
import { servedResourceTypes } from '../search/definitions.ts';
import { systemInteractions, typeInteractions } from './interactions.ts';

export interface CapabilityOptions {
  baseUrl: string;
  software: { name: string; version: string };
  startedAt: Date;
  /** Search support per type, contributed by the search engine once it is wired in. */
  searchParams?: (type: string) => CapabilityStatementRestResource['searchParam'];
}

/**
 * The CapabilityStatement, generated from the interaction table that routes enforce
 * (http://hl7.org/fhir/R4/capabilitystatement.html), never a hand-written file.
 */
export function buildCapabilityStatement(options: CapabilityOptions): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.startedAt.toISOString(),
    publisher: 'Ward',
    kind: 'instance',
    software: options.software,
    implementation: { description: 'Ward FHIR R4 server', url: options.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'No authentication yet: the server binds loopback addresses only until SMART authorization lands.',
        resource: servedResourceTypes.map((type) => describeType(type, options)),
        interaction: systemInteractions.map((code) => ({ code })),
      },
    ],
  };
}

function describeType(
  type: (typeof servedResourceTypes)[number],
  options: CapabilityOptions,
): CapabilityStatementRestResource {
  const interactions: readonly string[] = typeInteractions[type];
  const canUpdate = interactions.includes('update');
  const searchParam = options.searchParams?.(type);
  return {
    type,
    profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
    interaction: interactions.map((code) => ({
      code: code as NonNullable<CapabilityStatementRestResource['interaction']>[number]['code'],
    })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: canUpdate,
    conditionalCreate: false,
    conditionalRead: 'not-supported',
    conditionalUpdate: false,
    conditionalDelete: 'not-supported',
    ...(searchParam?.length ? { searchParam } : {}),
  };
}
