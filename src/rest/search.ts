import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BundleLink, Resource } from 'fhir/r4';
import { noteAudit } from '../audit/request-audit.ts';
import { searchsetBundle } from '../fhir/bundle.ts';
import { FhirError } from '../fhir/fhir-error.ts';
import { subsetResource } from '../fhir/subset.ts';
import { parseSearchRequest } from '../search/parse.ts';
import type { Clause, ParsedSearch } from '../search/parse-types.ts';
import type { GrantFilters, SearchNarrowing } from '../search/search-service.ts';
import { requireInteraction, requireServedType } from './interactions.ts';
import { isStrictHandling } from './prefer.ts';
import { baseUrlOf, optionalPathParam, pathParam, sendFhir } from './respond.ts';
import type { RestContext } from './rest-context.ts';

/** Types that belong to the Patient compartment and are served (CompartmentDefinition). */
const patientCompartmentTypes = new Set(['Observation', 'AuditEvent', 'Patient']);

/**
 * search at type level (`GET [type]?…`, `POST [type]/_search`), system level (`GET [base]?_type=…`)
 * and in a patient compartment (`GET Patient/[id]/[type]`). http://hl7.org/fhir/R4/http.html#search
 */
export function searchHandler(deps: RestContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const type = optionalPathParam(request, 'type');
    if (type) requireInteraction(type, 'search-type');
    const parsed = parseRequest(request, deps, type ?? null);
    const path = type ? `/${type}` : '';
    return answer(request, reply, deps, parsed, path, undefined);
  };
}

export function compartmentSearchHandler(deps: RestContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const compartmentType = pathParam(request, 'type');
    const id = pathParam(request, 'id');
    const type = pathParam(request, 'compartmentType');
    if (compartmentType !== 'Patient') {
      throw new FhirError('notFound', 'only the Patient compartment is supported');
    }
    requireServedType(type);
    if (!patientCompartmentTypes.has(type)) {
      throw new FhirError('notFound', 'that type is not in the Patient compartment');
    }
    requireInteraction(type, 'search-type');
    const parsed = parseRequest(request, deps, type);
    return answer(request, reply, deps, parsed, `/Patient/${id}/${type}`, `Patient/${id}`);
  };
}

function parseRequest(request: FastifyRequest, deps: RestContext, type: string | null) {
  return parseSearchRequest(type, searchPairs(request), {
    strict: isStrictHandling(request),
    defaultCount: deps.config.searchDefaultCount,
    maxCount: deps.config.searchMaxCount,
    baseUrl: baseUrlOf(request),
  });
}

async function answer(
  request: FastifyRequest,
  reply: FastifyReply,
  deps: RestContext,
  parsed: ParsedSearch,
  path: string,
  urlCompartment: string | undefined,
) {
  const narrowing = decideSearchAccess(deps, request, parsed, urlCompartment);
  const result = await deps.search.search(parsed, narrowing);
  const base = baseUrlOf(request);
  const shape = (r: Resource) => subsetResource(deps.guard.shape(request, r), parsed);
  const links = pageLinks(`${base}${path}`, parsed, result);
  // Included resources may be of types or patients the grant does not cover: leave those out.
  const includes = result.includes
    .map((v) => v.resource!)
    .filter((r) => deps.guard.isVisible(request, r));
  const disclosed = [...result.matches.map((v) => v.resource!), ...includes];
  const [searchedType] = parsed.resourceTypes;
  const isTypeSearch = path !== '' && searchedType !== undefined;
  noteAudit(
    request,
    {
      interaction: 'search',
      records: disclosed.length,
      ...(isTypeSearch ? { resource: { type: searchedType } } : {}),
    },
    disclosed,
  );
  const bundle = searchsetBundle(
    base,
    result.matches.map((v) => shape(v.resource!)),
    includes.map(shape),
    links,
    result.total,
  );
  return sendFhir(request, reply, 200, bundle);
}

/**
 * The narrowing a search runs under: every searched type and every type a chain or `_has`
 * reaches must be searchable under the grant (or the query could probe data the caller may not
 * see); `patient/` grants pin all of them to the launch patient's compartment.
 */
function decideSearchAccess(
  ctx: RestContext,
  request: FastifyRequest,
  parsed: ParsedSearch,
  urlCompartment: string | undefined,
): SearchNarrowing {
  const compartments = new Set<string>(urlCompartment ? [urlCompartment] : []);
  const filters = new Map<string, GrantFilters>();
  for (const type of new Set([...parsed.resourceTypes, ...chainedTypes(parsed.clauses)])) {
    const narrowing = ctx.guard.checkType(request, { interaction: 'search', resourceType: type });
    if (narrowing.compartment) compartments.add(narrowing.compartment);
    if (narrowing.filters.length) filters.set(type, narrowing.filters);
  }
  return { compartments: [...compartments], filters };
}

function chainedTypes(clauses: readonly Clause[]): string[] {
  return clauses.flatMap((clause) => {
    if (clause.kind === 'param') return [];
    const inner = clause.kind === 'chain' ? clause.targetType : clause.sourceType;
    return [inner, ...chainedTypes([clause.next])];
  });
}

/** Links show what was applied (lenient mode drops unknown parameters), plus the page token. */
function pageLinks(
  url: string,
  parsed: ParsedSearch,
  page: { next?: string; previous?: string },
): BundleLink[] {
  const applied = parsed.applied.filter(([name]) => name !== '_count');
  const query = (extra: Array<[string, string]>) =>
    new URLSearchParams([...applied, ['_count', String(parsed.count)], ...extra]).toString();
  const links: BundleLink[] = [{ relation: 'self', url: `${url}?${query([])}` }];
  if (page.next) links.push({ relation: 'next', url: `${url}?${query([['_cursor', page.next]])}` });
  if (page.previous) {
    links.push({ relation: 'previous', url: `${url}?${query([['_cursor', page.previous]])}` });
  }
  return links;
}

/**
 * The search parameters in request order: the URL's query, then for `POST _search` the form
 * body. Parsed from the raw URL so repetition (AND) and order are kept exactly.
 */
function searchPairs(request: FastifyRequest): Array<[string, string]> {
  const queryString = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
  const pairs = [...new URLSearchParams(queryString)];
  if (request.method === 'POST') {
    const body = request.body;
    if (typeof body !== 'string') {
      throw new FhirError('unsupportedMediaType', 'send _search parameters as application/x-www-form-urlencoded');
    }
    pairs.push(...new URLSearchParams(body));
  }
  return pairs;
}
