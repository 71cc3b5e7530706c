import { FhirError } from '../fhir/fhir-error.ts';
import { servedResourceTypes } from './definitions.ts';
import { UnknownParameter, parseClause } from './parse-clause.ts';
import {
  describeName,
  parseCount,
  parseElements,
  parseInclude,
  parseSort,
  parseSummary,
  parseTotal,
  parseTypes,
  sameDefinitionForAll,
} from './parse-result.ts';
import type { ParsedSearch } from './parse-types.ts';

export interface ParseOptions {
  /** `Prefer: handling=strict`: unknown or unsupported parameters are a 400, not ignored. */
  strict: boolean;
  defaultCount?: number;
  maxCount?: number;
  /** This server's base URL, so absolute references to it compare as local ones. */
  baseUrl?: string;
}

/** Parameters about the HTTP exchange rather than the search; the REST layer handles them. */
const exchangeParams = new Set(['_format', '_pretty']);

/** Known to the spec but not implemented; treated like unknown parameters. */
const unimplementedParams = new Set([
  '_contained',
  '_containedType',
  '_text',
  '_content',
  '_list',
  '_query',
  '_filter',
]);

/**
 * Parses the parameters of a search (`GET [type]?...`, `POST [type]/_search`, or with
 * `resourceType` null a system search `GET [base]?_type=...`) into a ParsedSearch.
 * Parameters repeat for AND, commas separate OR alternatives.
 * Unknown parameters: strict → 400 naming the parameter; lenient → dropped, listed in `ignored`.
 * Malformed values → 400 whose diagnostics never quote the value.
 * http://hl7.org/fhir/R4/search.html
 */
export function parseSearchRequest(
  resourceType: string | null,
  params: ReadonlyArray<readonly [string, string]>,
  options: ParseOptions,
): ParsedSearch {
  const pairs = checkPairs(params);
  const resourceTypes = resolveTypes(resourceType, pairs);
  const result: ParsedSearch = {
    resourceTypes,
    clauses: [],
    sort: [],
    count: options.defaultCount ?? 50,
    include: [],
    revinclude: [],
    applied: [],
    ignored: [],
  };
  const seen = new Set<string>();

  for (const [name, value] of pairs) {
    if (exchangeParams.has(name) || name === '_type') continue;
    if (name === '_cursor') {
      result.cursor = value;
      continue;
    }
    try {
      applyParam(result, name, value, seen, options);
      result.applied.push([name, value]);
    } catch (error) {
      if (!(error instanceof UnknownParameter)) throw error;
      if (options.strict) {
        throw new FhirError('invalidInput', `unknown search parameter: ${describeName(name)}`);
      }
      result.ignored.push(name);
    }
  }
  if (resourceType === null && pairs.some(([n]) => n === '_type')) {
    result.applied.unshift(['_type', resourceTypes.join(',')]);
  }
  return result;
}

function applyParam(
  result: ParsedSearch,
  name: string,
  value: string,
  seen: Set<string>,
  options: ParseOptions,
): void {
  const single = ['_sort', '_count', '_total', '_summary', '_elements'];
  if (single.includes(name)) {
    if (seen.has(name)) throw new FhirError('invalidInput', `${name} may appear only once`);
    seen.add(name);
  }

  if (name === '_sort') result.sort = parseSort(result.resourceTypes, value);
  else if (name === '_count') result.count = parseCount(value, options.maxCount ?? 500);
  else if (name === '_total') result.total = parseTotal(value);
  else if (name === '_summary') result.summary = parseSummary(value);
  else if (name === '_elements') result.elements = parseElements(value);
  else if (name.startsWith('_include')) {
    result.include.push(parseInclude(name, value, result.resourceTypes));
  } else if (name.startsWith('_revinclude')) {
    result.revinclude.push(parseInclude(name, value, result.resourceTypes));
  } else if (unimplementedParams.has(name.split(':')[0] ?? '')) throw new UnknownParameter();
  else result.clauses.push(parseFilterParam(result.resourceTypes, name, value, options));
}

function parseFilterParam(
  resourceTypes: readonly string[],
  name: string,
  value: string,
  options: ParseOptions,
) {
  const [first] = resourceTypes;
  if (first === undefined) throw new UnknownParameter();
  if (resourceTypes.length > 1) {
    // A system search over several types only takes parameters they all define alike.
    const code = name.split(':')[0] ?? '';
    if (name.includes('.') || code === '_has' || !sameDefinitionForAll(resourceTypes, code)) {
      throw new UnknownParameter();
    }
  }
  return parseClause(first, name, value, { baseUrl: options.baseUrl });
}

function resolveTypes(resourceType: string | null, pairs: Array<[string, string]>): string[] {
  if (resourceType !== null) {
    if (!servedResourceTypes.some((t) => t === resourceType)) {
      throw new FhirError('notFound', 'this server does not serve that resource type');
    }
    return [resourceType];
  }
  const typeParams = pairs.filter(([n]) => n === '_type');
  if (typeParams.length > 1) throw new FhirError('invalidInput', '_type may appear only once');
  const [typeParam] = typeParams;
  return typeParam ? parseTypes(typeParam[1]) : [...servedResourceTypes];
}

/** The boundary: query parsers can hand over arrays or objects where strings were expected. */
function checkPairs(params: ReadonlyArray<readonly [unknown, unknown]>): Array<[string, string]> {
  return params.map(([name, value]) => {
    if (typeof name !== 'string' || typeof value !== 'string') {
      throw new FhirError('invalidInput', 'search parameters must be plain text');
    }
    return [name, value];
  });
}
