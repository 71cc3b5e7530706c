import { FhirError } from '../fhir/fhir-error.ts';
import { prefixes } from './parse-types.ts';
import type { DatePrecision, DateRange, NumberRange, Prefix } from './parse-types.ts';

/*
 * Query-side parsing of ordered values. String folding is shared with indexing
 * (normalize-string.ts). TODO(#3): the date and number interval rules here repeat those of
 * normalize-date.ts / normalize-number.ts for query values (which also carry a prefix and a
 * precision); merge them so the two sides cannot drift.
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

const datePattern =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * Parses a search date into the half-open UTC interval its precision implies, e.g. `1970-03` →
 * [1970-03-01, 1970-04-01). A time without a zone is taken as UTC (the spec leaves it to the
 * server). Malformed or impossible dates are a 400. http://hl7.org/fhir/R4/search.html#date
 */
export function parseDateRange(text: string): DateRange {
  const match = datePattern.exec(text);
  if (!match) throw new FhirError('invalidInput', 'malformed date value');
  const [, y, mo, d, h, mi, s, frac, zone] = match;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  const fracDigits = frac?.length ?? 0;
  const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  checkFields(year, month, day, hour, minute, second);

  const offsetMs = parseZoneOffsetMs(zone);
  const lo = utc(year, month - 1, day, hour, minute, second, ms) - offsetMs;
  const precision = precisionOf(mo, d, h, s, frac);
  const hi = endOf(precision, year, month, day, lo, fracDigits);
  return { lo: new Date(lo), hi: new Date(hi), precision, normalized: text };
}

function checkFields(y: number, mo: number, d: number, h: number, mi: number, s: number): void {
  const daysInMonth = new Date(utc(y, mo, 0, 0, 0, 0, 0)).getUTCDate();
  const isValid =
    mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth && h <= 23 && mi <= 59 && s <= 59;
  if (!isValid) throw new FhirError('invalidInput', 'malformed date value');
}

function parseZoneOffsetMs(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 14 || minutes > 59) throw new FhirError('invalidInput', 'malformed date value');
  return sign * (hours * 60 + minutes) * 60_000;
}

function precisionOf(
  mo: string | undefined,
  d: string | undefined,
  h: string | undefined,
  s: string | undefined,
  frac: string | undefined,
): DatePrecision {
  if (mo === undefined) return 'year';
  if (d === undefined) return 'month';
  if (h === undefined) return 'day';
  if (s === undefined) return 'minute';
  return frac === undefined ? 'second' : 'millisecond';
}

function endOf(
  precision: DatePrecision,
  year: number,
  month: number,
  day: number,
  lo: number,
  fracDigits: number,
): number {
  switch (precision) {
    case 'year':
      return utc(year + 1, 0, 1, 0, 0, 0, 0);
    case 'month':
      return utc(year, month, 1, 0, 0, 0, 0);
    case 'day':
      return utc(year, month - 1, day + 1, 0, 0, 0, 0);
    case 'minute':
      return lo + 60_000;
    case 'second':
      return lo + 1000;
    case 'millisecond':
      return lo + Math.max(1, 10 ** (3 - Math.min(fracDigits, 3)));
  }
}

/** Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not. */
function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number) {
  const date = new Date(0);
  date.setUTCFullYear(y, mo, d);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
}

const numberPattern = /^[+-]?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses a search number with the implicit range of its precision: half a unit of the last
 * stated digit either side, e.g. `100` → [99.5, 100.5), `1.50` → [1.495, 1.505), `1e2` →
 * [50, 150). (The spec's own table gives [95, 105) for `1e2`, which contradicts its
 * significant-figures rule; Ward follows the rule.) http://hl7.org/fhir/R4/search.html#number
 */
export function parseNumberRange(text: string): NumberRange {
  const match = numberPattern.exec(text);
  const value = Number(text);
  if (!match || !Number.isFinite(value)) {
    throw new FhirError('invalidInput', 'malformed number value');
  }
  const decimals = match[2]?.length ?? 0;
  const exponent = match[3] === undefined ? 0 : Number(match[3]);
  const half = Number(`5e${exponent - decimals - 1}`);
  return { value, lo: value - half, hi: value + half };
}
