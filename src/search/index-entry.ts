/**
 * The search index stored beside each current resource version (field `search` of a
 * `resources` document). Search never decrypts to filter: every searchable value lives here.
 *
 * One flat array of entries, each tagged with its parameter code `p`, so that a handful of
 * compound multikey indexes ({type, 'search.p', 'search.<field>'}) serve every parameter.
 * Identifying values (names, address parts, telecom, identifiers, full birth dates) are never
 * stored in clear: only keyed blind indexes (HMAC) of their normalized forms.
 */
export type IndexEntry =
  | StringEntry
  | TokenEntry
  | ReferenceEntry
  | DateEntry
  | NumberEntry
  | QuantityEntry
  | UriEntry
  | CompositeEntry;

interface EntryBase {
  /** Search parameter code, e.g. `family`, `code`, `_lastUpdated`. */
  p: string;
}

/** string: `s` folded (lower case, accents removed, white space collapsed); `e` exact. */
export interface StringEntry extends EntryBase {
  t: 'string';
  s?: string;
  e?: string;
  /** Protected parameter: HMAC of the folded value, HMACs of its folded prefixes, HMAC of exact. */
  hs?: string;
  hp?: string[];
  he?: string;
}

/** token: system and code; `x` folded display text for `:text`. Protected codes as `hc`. */
export interface TokenEntry extends EntryBase {
  t: 'token';
  sys?: string;
  code?: string;
  hc?: string;
  x?: string;
}

/**
 * reference: `ref` relative `Type/id`; `url` the absolute or canonical form when given.
 * `Reference.identifier` (for `:identifier`): its system `isys` in clear, its value only as the
 * HMAC `hid`, because identifiers (MRN, member ids) are identifying.
 */
export interface ReferenceEntry extends EntryBase {
  t: 'reference';
  ref?: string;
  rt?: string;
  rid?: string;
  url?: string;
  isys?: string;
  hid?: string;
}

/** date: the half-open interval [lo, hi) implied by the value's precision, as Dates. */
export interface DateEntry extends EntryBase {
  t: 'date';
  lo: Date;
  hi: Date;
  /** Protected date (birth date): HMAC of the normalized value at its precision; year stays clear. */
  hd?: string;
  yr?: number;
}

/** number: value and its implicit range from significant figures [lo, hi). */
export interface NumberEntry extends EntryBase {
  t: 'number';
  n: number;
  lo: number;
  hi: number;
}

export interface QuantityEntry extends EntryBase {
  t: 'quantity';
  n: number;
  lo: number;
  hi: number;
  sys?: string;
  code?: string;
  unit?: string;
}

export interface UriEntry extends EntryBase {
  t: 'uri';
  u: string;
}

/** composite: one entry per combination, its components in definition order. */
export interface CompositeEntry extends EntryBase {
  t: 'composite';
  c: Array<Omit<IndexEntry, 'p'>>;
}

/** Keyed blind index: HMAC under the blind-index key, per purpose (the parameter code). */
export type BlindIndexFn = (purpose: string, normalizedValue: string) => string;
