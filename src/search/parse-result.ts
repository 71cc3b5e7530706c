import { FhirError } from '../fhir/fhir-error.ts';
import { getSearchParam, getSearchParams, servedResourceTypes } from './definitions.ts';
import type { IncludeSpec, SortKey, SummaryMode, TotalMode } from './parse-types.ts';
import { summaryModes, totalModes } from './parse-types.ts';

/*
 * Result parameters: they shape the answer, not the match.
 * http://hl7.org/fhir/R4/search.html#return
 */

/** Types whose sort keys are meaningful; composite has no order, protected strings are blind. */
const sortableTypes = new Set(['string', 'token', 'reference', 'date', 'number', 'quantity', 'uri']);

/** `_sort=a,-b`: several keys, `-` for descending. http://hl7.org/fhir/R4/search.html#sort */
export function parseSort(resourceTypes: readonly string[], value: string): SortKey[] {
  const keys = value.split(',').map((item): SortKey => {
    const isDescending = item.startsWith('-');
    const code = isDescending ? item.slice(1) : item;
    if (code === '_id' || code === '_lastUpdated') return { code, isDescending };

    const def = sameDefinitionForAll(resourceTypes, code);
    if (!def || !sortableTypes.has(def.type)) {
      throw new FhirError('invalidInput', `cannot sort by ${describeName(code)}`);
    }
    if (def.isProtected) {
      throw new FhirError(
        'invalidInput',
        `cannot sort by ${def.code}: its values are stored only as blind indexes`,
      );
    }
    return { code, def, isDescending };
  });

  const codes = keys.map((k) => k.code);
  if (new Set(codes).size !== codes.length) {
    throw new FhirError('invalidInput', '_sort names a parameter twice');
  }
  return keys;
}

/** `_count`: a non-negative integer, capped at the server's maximum (the spec allows fewer). */
export function parseCount(value: string, maxCount: number): number {
  if (!/^\d{1,9}$/.test(value)) throw new FhirError('invalidInput', '_count must be a whole number');
  return Math.min(Number(value), maxCount);
}

export function parseTotal(value: string): TotalMode {
  const mode = totalModes.find((m) => m === value);
  if (!mode) throw new FhirError('invalidInput', '_total must be none, estimate or accurate');
  return mode;
}

export function parseSummary(value: string): SummaryMode {
  const mode = summaryModes.find((m) => m === value);
  if (!mode) throw new FhirError('invalidInput', '_summary must be true, count, data, text or false');
  return mode;
}

/** `_elements=a,b`: top-level element names only (the spec's base form). */
export function parseElements(value: string): string[] {
  const names = value.split(',').map((n) => n.trim());
  if (names.some((n) => !/^[a-z][A-Za-z0-9]*(\[x\])?$/.test(n))) {
    throw new FhirError('invalidInput', '_elements must list element names');
  }
  return names;
}

/** `_type=A,B` of a system search: served types only. */
export function parseTypes(value: string): string[] {
  const types = value.split(',');
  const unknown = types.filter((t) => !servedResourceTypes.some((served) => served === t));
  if (unknown.length > 0 || types.length === 0) {
    throw new FhirError('invalidInput', '_type names a resource type this server does not serve');
  }
  return [...new Set(types)];
}

/**
 * `_include=Source:param[:Target]` and `_revinclude=...`; `Source:*` (or `*`) for every
 * reference parameter; `:iterate` on the name (`:recurse` is its R3 spelling).
 * http://hl7.org/fhir/R4/search.html#include
 */
export function parseInclude(
  name: string,
  value: string,
  searchedTypes: readonly string[],
): IncludeSpec {
  const [, modifier] = name.split(':');
  if (modifier !== undefined && modifier !== 'iterate' && modifier !== 'recurse') {
    throw new FhirError('invalidInput', `modifier not allowed on ${name.split(':')[0]}`);
  }
  const isIterate = modifier !== undefined;
  const isRev = name.startsWith('_revinclude');
  if (value === '*') return { sourceType: isRev ? '*' : (searchedTypes[0] ?? '*'), isIterate };

  const [sourceType, code, targetType, ...extra] = value.split(':');
  if (!sourceType || !code || extra.length > 0) {
    throw new FhirError('invalidInput', `malformed ${isRev ? '_revinclude' : '_include'} value`);
  }
  if (!isRev && !isIterate && !searchedTypes.includes(sourceType)) {
    throw new FhirError('invalidInput', '_include must start at a searched type');
  }
  if (code === '*' && targetType === undefined) return { sourceType, isIterate };

  const param = getSearchParam(sourceType, code);
  if (!param || param.type !== 'reference') {
    throw new FhirError('invalidInput', `${sourceType} has no reference parameter ${describeName(code)}`);
  }
  if (targetType !== undefined && !param.target?.includes(targetType)) {
    throw new FhirError('invalidInput', `${sourceType}:${param.code} cannot refer to ${describeName(targetType)}`);
  }
  return { sourceType, param, targetType, isIterate };
}

/** The definition shared by every type of a (system) search, or undefined if they differ. */
export function sameDefinitionForAll(resourceTypes: readonly string[], code: string) {
  const defs = resourceTypes.map((type) => getSearchParams(type).get(code));
  const [first] = defs;
  const isShared = defs.every(
    (d) => d !== undefined && d.type === first?.type && d.isProtected === first.isProtected,
  );
  return isShared ? first : undefined;
}

/** Parameter names are not PHI, but they are client input: quote them only when plain. */
export function describeName(name: string): string {
  return /^[A-Za-z0-9_:.\-]{1,64}$/.test(name) ? name : 'a parameter';
}
