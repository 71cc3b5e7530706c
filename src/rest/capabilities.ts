import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestSecurity,
} from 'fhir/r4';
import { getSearchParams, servedResourceTypes } from '../search/definitions.ts';
import { supportedModifiers } from '../search/parse-modifiers.ts';
import { prefixes } from '../search/parse-types.ts';
import { systemInteractions, typeInteractions } from './interactions.ts';

export interface CapabilityOptions {
  baseUrl: string;
  software: { name: string; version: string };
  startedAt: Date;
  /** How clients authenticate (SMART on FHIR), from the authorization layer. */
  security: CapabilityStatementRestSecurity;
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
          `Search: modifiers ${modifierList}; prefixes ${prefixes.join(' ')}; ` +
          'chaining, _has, _include and _revinclude (with :iterate), _sort, _count, _total, _summary, _elements, ' +
          'cursor paging. Prefer: handling=strict makes unknown parameters an error.',
        security: options.security,
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
  const searchParam = describeSearchParams(type);
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
    searchInclude: ['*', ...referenceParams(type).map((code) => `${type}:${code}`)],
    searchRevInclude: ['*'],
    searchParam,
  };
}

/** Every parameter the engine supports for the type, from the same definitions it runs on. */
function describeSearchParams(type: string): CapabilityStatementRestResource['searchParam'] {
  return [...getSearchParams(type).values()].map((def) => ({
    name: def.code,
    definition: def.url,
    type: def.type,
    ...(def.isProtected ? { documentation: protectedDocumentation } : {}),
  }));
}

function referenceParams(type: string): string[] {
  return [...getSearchParams(type).values()].filter((d) => d.type === 'reference').map((d) => d.code);
}

const modifierList = supportedModifiers.map((m) => (m === 'type' ? ':[type]' : `:${m}`)).join(' ');

/** What a blind-indexed parameter can and cannot do (README, "Encryption at rest and what leaks"). */
const protectedDocumentation =
  'Identifying parameter, stored only as keyed blind indexes: equality, :exact and starts-with ' +
  '(up to 12 characters) work; :contains, sorting and (for dates) ranges finer than a year are ' +
  'refused with 400.';
