import type { IndexEntry } from './index-entry.ts';
import type { SortValue } from './sort.ts';

/** Per-parameter sort keys stored on the document: lowest value `a`, highest `d` (sort.ts). */
export type SortKeys = Record<string, { a: SortValue; d: SortValue }>;

/**
 * Derives the sort keys of a resource from its index entries. Protected entries carry no clear
 * value and give no key: sorting by a protected parameter is refused at parse time.
 */
export function computeSortKeys(entries: readonly IndexEntry[]): SortKeys {
  const keys: SortKeys = {};
  for (const entry of entries) {
    const [low, high] = sortValuesOf(entry);
    if (low === undefined || high === undefined) continue;
    const current = keys[entry.p];
    if (!current) {
      keys[entry.p] = { a: low, d: high };
      continue;
    }
    if (compare(low, current.a) < 0) current.a = low;
    if (compare(high, current.d) > 0) current.d = high;
  }
  return keys;
}

function sortValuesOf(entry: IndexEntry): [SortValue?, SortValue?] {
  switch (entry.t) {
    case 'string':
      return [entry.s, entry.s];
    case 'token':
      return [entry.code, entry.code];
    case 'reference':
      return [entry.ref ?? entry.url, entry.ref ?? entry.url];
    case 'uri':
      return [entry.u, entry.u];
    case 'date':
      return entry.hd ? [] : [entry.lo, entry.hi];
    case 'number':
    case 'quantity':
      return [entry.n, entry.n];
    default:
      return [];
  }
}

function compare(a: SortValue, b: SortValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  return x < y ? -1 : x > y ? 1 : 0;
}
