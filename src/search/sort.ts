import type { Document, Sort } from 'mongodb';
import type { SortKey } from './parse-types.ts';

/**
 * Sorting. Index entries are arrays (a resource may hold several dates, names, codes), which
 * MongoDB cannot sort by one parameter. So the extractor writes one sort key per sortable clear
 * parameter on the document, `sort: { [code]: { a, d } }`: `a` is the lowest value (used for
 * ascending order) and `d` the highest (descending), as the spec asks for repeating elements.
 * Values: folded string (`s`), token code, reference `Type/id`, uri, date `lo` (for `a`) / `hi`
 * (for `d`), number/quantity `n`. A resource without the parameter has no key and sorts first
 * ascending, last descending. http://hl7.org/fhir/R4/search.html#sort
 */

/** The document field holding a sort key's value. */
export function sortField(key: SortKey): string {
  if (key.code === '_id') return 'id';
  if (key.code === '_lastUpdated') return 'lastUpdated';
  return `sort.${key.code}.${key.isDescending ? 'd' : 'a'}`;
}

/**
 * The MongoDB sort of a search, `_id` last as the tie-breaker that makes keyset paging exact.
 * `reverse` walks the same order backwards (for a `previous` page).
 */
export function compileSort(keys: readonly SortKey[], reverse = false): Sort {
  const sort: Record<string, 1 | -1> = {};
  for (const key of keys) {
    const ascending = key.isDescending === reverse;
    sort[sortField(key)] = ascending ? 1 : -1;
  }
  sort._id = reverse ? -1 : 1;
  return sort;
}

export type SortValue = string | number | Date | null;

/** The sort values of one stored document, for the page token of its page's edge. */
export function readSortValues(doc: Document, keys: readonly SortKey[]): SortValue[] {
  return keys.map((key): SortValue => {
    let value: unknown = doc;
    for (const part of sortField(key).split('.')) {
      value = typeof value === 'object' && value !== null ? (value as Document)[part] : undefined;
    }
    if (typeof value === 'string' || typeof value === 'number' || value instanceof Date) {
      return value;
    }
    return null;
  });
}
