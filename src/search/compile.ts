import type { Document, Filter, IndexDescription } from 'mongodb';
import { compileClause } from './compile-clause.ts';
import type { CompileOptions, Condition } from './compile-types.ts';
import { protectedPrefixMaxLength } from './extract-string.ts';
import type { BlindIndexFn } from './index-entry.ts';
import type { ParsedSearch } from './parse-types.ts';

/** A compiled search: the base filter (type, not deleted) and one condition per clause. */
export interface CompiledSearch {
  base: Filter<Document>;
  conditions: Condition[];
}

/**
 * Compiles the filter clauses of a parsed search into conditions over the stored documents of
 * collection `resources`. Every searchable value is read from the index entries (`search`);
 * `_id` and `_lastUpdated` from the document's own `id` and `lastUpdated` fields.
 */
export function compileSearch(
  parsed: ParsedSearch,
  blind: BlindIndexFn,
  options: CompileOptions = {},
): CompiledSearch {
  const ctx = {
    blind,
    protectedPrefixCap: options.protectedPrefixCap ?? protectedPrefixMaxLength,
    now: options.now ?? new Date(),
  };
  const [first = ''] = parsed.resourceTypes;
  const types = parsed.resourceTypes;
  const base: Filter<Document> = {
    type: types.length === 1 ? first : { $in: types },
    deleted: false,
  };
  const conditions = parsed.clauses.map((clause) =>
    compileClause(first, clause, ctx, options.chainResults),
  );
  return { base, conditions };
}

/**
 * The MongoDB filter of a parsed search: each clause an `$elemMatch` on `search` with its
 * parameter code `p`, so that one compound multikey index per field family serves it
 * (`searchIndexes`). Needs `$elemMatch` with field conditions, which FerretDB 1.x lacks: there
 * use `toUnwoundFilter` (compile-unwind.ts).
 */
export function compileFilter(
  resourceType: string,
  parsed: ParsedSearch,
  blind: BlindIndexFn,
  options: CompileOptions = {},
): Filter<Document> {
  const forType = parsed.resourceTypes.includes(resourceType)
    ? { ...parsed, resourceTypes: [resourceType] }
    : parsed;
  return toMongoFilter(compileSearch(forType, blind, options));
}

export function toMongoFilter(compiled: CompiledSearch): Filter<Document> {
  const clauses = compiled.conditions.map(toMongoCondition);
  return clauses.length === 0 ? compiled.base : { ...compiled.base, $and: clauses };
}

function toMongoCondition(condition: Condition): Filter<Document> {
  if (condition.kind === 'document') return condition.filter;
  const { p, match, isNegated } = condition;
  // Presence alone needs no $elemMatch; this form also runs on FerretDB (whose $ne on arrays
  // does not mean "no element equals", hence $nor).
  if (Object.keys(match).length === 0) {
    return isNegated ? { $nor: [{ 'search.p': p }] } : { 'search.p': p };
  }
  const positive = { search: { $elemMatch: { p, ...match } } };
  return isNegated ? { $nor: [positive] } : positive;
}

/**
 * Indexes on `resources` that serve the compiled filters: type and parameter code first, then
 * the entry field each family compares. Multikey over the one `search` array (no parallel
 * arrays). Sort keys (`sort.<code>.a|d`) are indexed per parameter as sorting demands.
 */
export const searchIndexes: IndexDescription[] = [
  { key: { type: 1, lastUpdated: 1, _id: 1 }, name: 'type_lastUpdated' },
  { key: { type: 1, id: 1 }, name: 'type_id' },
  ...[
    ['s'],
    ['e'],
    ['hs'],
    ['he'],
    ['hp'],
    ['sys', 'code'],
    ['code'],
    ['hc'],
    ['x'],
    ['ref'],
    ['rid'],
    ['url'],
    ['hid'],
    ['lo', 'hi'],
    ['hi'],
    ['hd'],
    ['yr'],
    ['n'],
    ['u'],
    ['c.0.code', 'c.1.n'],
  ].map(
    (fields): IndexDescription => ({
      key: Object.fromEntries([
        ['type', 1],
        ['search.p', 1],
        ...fields.map((f) => [`search.${f}`, 1]),
      ]),
      name: `search_${fields.join('_')}`,
    }),
  ),
];
