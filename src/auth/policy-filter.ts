import type { Resource } from 'fhir/r4';
import { getSearchParam, type SearchParamDef } from '../search/definitions.ts';
import { extractIndexWithPlan } from '../search/extract.ts';
import { buildExtractionPlan, type ParamPlan } from '../search/extract-plan.ts';
import type { BlindIndexFn, TokenEntry } from '../search/index-entry.ts';
import { splitEscaped, unescapeValue } from '../search/parse-escape.ts';
import type { ScopeFilter } from './scope-filter.ts';

/**
 * Granular scope filters checked against one resource, with the project's own index extraction
 * so that a filter means exactly what the same search parameter means in a search.
 *
 * Only token parameters are enforced (`category`, `code`, `status`: what granular scopes use in
 * practice). A filter on any other parameter type, on a protected (blinded) parameter, with a
 * modifier, or on a type Ward has no definitions for cannot be checked here, so it matches
 * nothing: the scope that carries it grants nothing (fail closed).
 */

const plans = new Map<string, ReadonlyMap<string, ParamPlan>>();

/** Protected parameters are refused before extraction, so blinding is never reached. */
const refuseBlinding: BlindIndexFn = () => {
  throw new Error('granular scope filters never read protected parameters');
};

/** Whether `resource` passes one of the AND-lists (an empty list of lists passes everything). */
export function resourceMatchesFilters(
  resource: Resource,
  filters: readonly ScopeFilter[],
): boolean {
  if (filters.length === 0) return true;
  return filters.some((filter) =>
    filter.every(([name, value]) => matchesCondition(resource, name, value)),
  );
}

/** Whether every condition of `filter` is one the policy can enforce on `resourceType`. */
export function isEnforceableFilter(resourceType: string, filter: ScopeFilter): boolean {
  return filter.every(
    ([name, value]) =>
      enforceableParam(resourceType, name) !== undefined &&
      splitEscaped(value, ',').every((alt) => parseTokenAlternative(alt) !== undefined),
  );
}

function matchesCondition(resource: Resource, name: string, value: string): boolean {
  const plan = enforceablePlan(resource.resourceType, name);
  if (!plan) return false;
  const wanted = splitEscaped(value, ',').map(parseTokenAlternative);
  if (wanted.some((w) => w === undefined)) return false;

  const entries = extractIndexWithPlan(resource, refuseBlinding, [plan]);
  return entries.some(
    (entry) => entry.t === 'token' && wanted.some((w) => w !== undefined && tokenMatches(entry, w)),
  );
}

interface TokenAlternative {
  /** undefined: any system; '': no system. */
  system?: string;
  /** undefined: any code in the system. */
  code?: string;
}

/** `code`, `system|code`, `|code`, `system|` (http://hl7.org/fhir/R4/search.html#token). */
function parseTokenAlternative(raw: string): TokenAlternative | undefined {
  const parts = splitEscaped(raw, '|').map(unescapeValue);
  if (parts.length === 1) return parts[0] ? { code: parts[0] } : undefined;
  if (parts.length !== 2) return undefined;
  const [system, code] = parts as [string, string];
  if (system === '' && code === '') return undefined;
  return code === '' ? { system } : { system, code };
}

function tokenMatches(entry: TokenEntry, wanted: TokenAlternative): boolean {
  if (wanted.code !== undefined && entry.code !== wanted.code) return false;
  if (wanted.system === undefined) return true;
  return wanted.system === '' ? entry.sys === undefined : entry.sys === wanted.system;
}

function enforceableParam(resourceType: string, name: string): SearchParamDef | undefined {
  const def = getSearchParam(resourceType, name);
  return def?.type === 'token' && !def.isProtected && def.expression ? def : undefined;
}

function enforceablePlan(resourceType: string, name: string): ParamPlan | undefined {
  if (!enforceableParam(resourceType, name)) return undefined;
  let byCode = plans.get(resourceType);
  if (!byCode) {
    byCode = new Map(buildExtractionPlan(resourceType).map((p) => [p.def.code, p]));
    plans.set(resourceType, byCode);
  }
  return byCode.get(name);
}
