import type { EntryMatch } from './compile-types.ts';

/** Every match holds (a single match stays as it is). */
export function allOf(matches: EntryMatch[]): EntryMatch {
  const nonEmpty = matches.filter((m) => Object.keys(m).length > 0);
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? {};
  return { $and: nonEmpty };
}

/** At least one match holds. */
export function anyOf(matches: EntryMatch[]): EntryMatch {
  if (matches.length === 1) return matches[0] as EntryMatch;
  return { $or: matches };
}

/**
 * Starts-with as a range on a folded field, `v <= s < v + U+FFFF`: an index range scan, and no
 * regular expression built from client input.
 */
export function startsWith(field: string, folded: string): EntryMatch {
  return { [field]: { $gte: folded, $lt: `${folded}\uffff` } };
}

/** Escapes every regular-expression metacharacter, so a value only ever matches itself. */
export function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/**
 * Rewrites the field names of a match to live under `prefix` (e.g. `c.1.` for a composite
 * component, `search.` after an `$unwind`). Operator keys (`$or`, `$gte`) stay; only the
 * left-hand side of field conditions changes, never a value.
 */
export function prefixFields(match: EntryMatch, prefix: string): EntryMatch {
  const out: EntryMatch = {};
  for (const [key, value] of Object.entries(match)) {
    if (key === '$and' || key === '$or' || key === '$nor') {
      out[key] = (value as EntryMatch[]).map((m) => prefixFields(m, prefix));
    } else {
      out[`${prefix}${key}`] = value;
    }
  }
  return out;
}
