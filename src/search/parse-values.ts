import { FhirError } from '../fhir/fhir-error.ts';
import { toDateInterval } from './normalize-date.ts';
import { toNumberRange, type NumberRange } from './normalize-number.ts';
import { prefixes } from './parse-types.ts';
import type { DateRange, Prefix } from './parse-types.ts';

/*
 * Query-side parsing of ordered values. The interval rules are those of indexing
 * (normalize-date.ts, normalize-number.ts), so a query value and a stored value of the same text
 * always mean the same range; this file adds the prefix and the 400 for malformed input.
 */

const prefixPattern = /^([a-z]{2})(.*)$/s;

/**
 * Splits a comparison prefix off an ordered value (date, number, quantity). Two leading letters
 * that are not a known prefix make the value malformed. http://hl7.org/fhir/R4/search.html#prefix
 */
export function splitPrefix(value: string): { prefix: Prefix; rest: string } {
  const match = prefixPattern.exec(value);
  if (!match) return { prefix: 'eq', rest: value };
  const [, candidate, rest] = match;
  const prefix = prefixes.find((p) => p === candidate);
  if (!prefix) throw new FhirError('invalidInput', 'unknown comparison prefix');
  return { prefix, rest: rest ?? '' };
}

/**
 * Parses a search date into the half-open UTC interval its precision implies, e.g. `1970-03` →
 * [1970-03-01, 1970-04-01), by the same rules as stored dates. A time without a zone is taken as
 * UTC (the spec leaves it to the server). Malformed or impossible dates are a 400.
 * http://hl7.org/fhir/R4/search.html#date
 */
export function parseDateRange(text: string): DateRange {
  const interval = toDateInterval(text);
  if (!interval) throw new FhirError('invalidInput', 'malformed date value');
  return { ...interval, normalized: text };
}

/**
 * Parses a search number with the implicit range of its precision, by the same rules as stored
 * numbers: half a unit of the last stated digit either side, e.g. `100` → [99.5, 100.5), `1.50`
 * → [1.495, 1.505), `1e2` → [50, 150). (The spec's own table gives [95, 105) for `1e2`, which
 * contradicts its significant-figures rule; Ward follows the rule.)
 * http://hl7.org/fhir/R4/search.html#number
 */
export function parseNumberRange(text: string): NumberRange {
  const range = text.trim() === text ? toNumberRange(text) : undefined;
  if (!range) throw new FhirError('invalidInput', 'malformed number value');
  return range;
}
