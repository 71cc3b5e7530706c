import type { TypedValue } from '@medplum/core';

/**
 * The oracle's own readings of the search spec where @medplum/core's matcher does not follow it
 * (see oracle.ts for why each is here). Written from http://hl7.org/fhir/R4/search.html, not
 * from Ward's code: values come from @medplum/core's FHIRPath evaluation.
 */

export interface Interval {
  lo: number;
  hi: number;
}

const ms = { minute: 60_000, second: 1000 } as const;
const datePattern =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * #date: a value stands for the whole interval its precision implies, [lo, hi). A value
 * without zone is taken as UTC (the spec leaves it to the server; Ward documents UTC).
 */
export function toDateInterval(text: string): Interval | undefined {
  const m = datePattern.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  if (mo === undefined) return { lo: utc(year, 0, 1), hi: utc(year + 1, 0, 1) };
  const month = Number(mo) - 1;
  if (d === undefined) return { lo: utc(year, month, 1), hi: utc(year, month + 1, 1) };
  const day = Number(d);
  if (h === undefined) return { lo: utc(year, month, day), hi: utc(year, month, day + 1) };

  const offset = zone === undefined || zone === 'Z' ? 0 : zoneMinutes(zone) * ms.minute;
  const fraction = frac === undefined ? 0 : Number(`0.${frac}`) * 1000;
  const start =
    utc(year, month, day) + Number(h) * 3_600_000 + Number(mi) * ms.minute + Number(s ?? 0) * 1000;
  const lo = start + Math.floor(fraction) - offset;
  const step =
    s === undefined ? ms.minute : frac === undefined ? ms.second : 10 ** (3 - frac.length);
  return { lo, hi: lo + Math.max(1, step) };
}

function zoneMinutes(zone: string): number {
  const sign = zone.startsWith('-') ? -1 : 1;
  return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
}

function utc(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  return date.getTime();
}

/** Intervals of date-like values: date, dateTime, instant, Period (open ends unbounded). */
export function toDateIntervals(items: TypedValue[]): Interval[] {
  const out: Interval[] = [];
  for (const { value } of items) {
    if (typeof value === 'string') {
      const interval = toDateInterval(value);
      if (interval) out.push(interval);
    } else if (isRecord(value) && ('start' in value || 'end' in value)) {
      const start = typeof value.start === 'string' ? toDateInterval(value.start) : undefined;
      const end = typeof value.end === 'string' ? toDateInterval(value.end) : undefined;
      out.push({ lo: start?.lo ?? -Infinity, hi: end?.hi ?? Infinity });
    }
  }
  return out;
}

/**
 * #prefix: eq = the search range contains the target; gt/lt = the range above/below the search
 * value overlaps the target; ge/le add eq; sa/eb = no overlap and the target lies above/below;
 * ap = overlap with the search range widened by 10% of its distance to now.
 */
export function compareIntervals(prefix: string, t: Interval, q: Interval, now: number): boolean {
  const contained = t.lo >= q.lo && t.hi <= q.hi;
  switch (prefix) {
    case 'eq':
      return contained;
    case 'ne':
      return !contained;
    case 'gt':
      return t.hi > q.hi;
    case 'lt':
      return t.lo < q.lo;
    case 'ge':
      return t.hi > q.hi || contained;
    case 'le':
      return t.lo < q.lo || contained;
    case 'sa':
      return t.lo >= q.hi;
    case 'eb':
      return t.hi <= q.lo;
    case 'ap': {
      const slack = Math.abs(now - q.lo) * 0.1;
      return t.lo < q.hi + slack && t.hi > q.lo - slack;
    }
    default:
      throw new Error(`oracle: unknown prefix ${prefix}`);
  }
}

/** Splits `[prefix]rest`; no prefix means eq. */
export function splitPrefix(text: string): [string, string] {
  const m = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(.*)$/.exec(text);
  return m ? [m[1]!, m[2]!] : ['eq', text];
}

/**
 * #number: `100` means [99.5, 100.5): half a unit of its last significant digit either side.
 */
export function toNumberInterval(text: string): Interval & { value: number } {
  const value = Number(text);
  const m = /^[+-]?\d*(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  const decimals = (m?.[1]?.length ?? 0) - Number(m?.[2] ?? 0);
  const half = 0.5 * 10 ** -decimals;
  return { value, lo: value - half, hi: value + half };
}

/**
 * #number prefixes on a target number: eq/ne against the search value's implicit range;
 * gt/lt/ge/le against the exact value; sa/eb compare the target's own implicit range;
 * ap within 10% of the value (or the implicit range, whichever is wider).
 */
export function compareNumber(prefix: string, target: number, query: string): boolean {
  const q = toNumberInterval(query);
  const within = target >= q.lo - 1e-9 * Math.abs(q.lo) && target < q.hi;
  const own = toNumberInterval(String(target));
  switch (prefix) {
    case 'eq':
      return within;
    case 'ne':
      return !within;
    case 'gt':
      return target > q.value;
    case 'lt':
      return target < q.value;
    case 'ge':
      return target >= q.value;
    case 'le':
      return target <= q.value;
    case 'sa':
      return own.lo >= q.hi;
    case 'eb':
      return own.hi <= q.lo;
    case 'ap': {
      const slack = Math.abs(q.value) * 0.1;
      return within || Math.abs(target - q.value) <= slack;
    }
    default:
      throw new Error(`oracle: unknown prefix ${prefix}`);
  }
}

/**
 * #quantity: `[prefix]number|system|code` (system and code must both match) or
 * `[prefix]number||code` (the code or the unit text), or a bare number (any unit).
 */
export function matchesQuantity(value: unknown, query: string): boolean {
  if (!isRecord(value) || typeof value.value !== 'number') return false;
  const [prefix, rest] = splitPrefix(query);
  const [number = '', system, code] = splitUnescaped(rest, '|');
  if (!compareNumber(prefix, value.value, number)) return false;
  if (system === undefined) return true;
  if (system !== '') return value.system === system && value.code === code;
  return value.code === code || value.unit === code;
}

const stringFields: Readonly<Record<string, readonly string[]>> = {
  HumanName: ['family', 'given', 'prefix', 'suffix', 'text'],
  Address: ['line', 'city', 'district', 'state', 'postalCode', 'country', 'text'],
};

/** #string: the text of each part of a HumanName or Address, or the string itself. */
export function toStringParts(items: TypedValue[]): string[] {
  const out: string[] = [];
  for (const { type, value } of items) {
    if (typeof value === 'string') out.push(value);
    const fields = stringFields[type];
    if (!fields || !isRecord(value)) continue;
    for (const field of fields) {
      const part = value[field];
      for (const text of Array.isArray(part) ? part : [part]) {
        if (typeof text === 'string') out.push(text);
      }
    }
  }
  return out;
}

/** #string: "case and accent insensitive"; Unicode full case mapping (ß → SS → ss). */
export function foldCaseAndAccents(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toUpperCase().toLowerCase();
}

/** #string default (starts with), `:exact` (whole, case and accents as given), `:contains`. */
export function matchesString(part: string, query: string, modifier: string | undefined): boolean {
  if (modifier === 'exact') return part === query;
  const folded = foldCaseAndAccents(part);
  const q = foldCaseAndAccents(query);
  return modifier === 'contains' ? folded.includes(q) : folded.startsWith(q);
}

/** #token `:text`: the text of a CodeableConcept, a Coding's display, an Identifier's type text. */
export function toTokenTexts(items: TypedValue[]): string[] {
  const out: string[] = [];
  for (const { value } of items) {
    if (!isRecord(value)) continue;
    if (typeof value.text === 'string') out.push(value.text);
    if (typeof value.display === 'string') out.push(value.display);
    const codings = Array.isArray(value.coding) ? value.coding : [];
    for (const coding of codings) {
      if (isRecord(coding) && typeof coding.display === 'string') out.push(coding.display);
    }
    if (isRecord(value.type) && typeof value.type.text === 'string') out.push(value.type.text);
  }
  return out;
}

/** Splits on a separator not escaped with `\` (#escaping), unescaping the parts. */
export function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      current += text[++i];
    } else if (ch === separator) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
