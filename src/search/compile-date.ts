import { FhirError } from '../fhir/fhir-error.ts';
import type { SearchParamDef } from './definitions.ts';
import { anyOf } from './compile-match.ts';
import type { CompileContext, EntryMatch } from './compile-types.ts';
import type { DateRange, DateValue, Prefix } from './parse-types.ts';

/**
 * date: the stored interval [lo, hi) against the query interval [qlo, qhi), per prefix.
 * http://hl7.org/fhir/R4/search.html#prefix
 */
export function matchDate(def: SearchParamDef, value: DateValue, ctx: CompileContext): EntryMatch {
  if (def.isProtected) return matchProtectedDate(def, value, ctx);
  return matchInterval(value.prefix, value.range.lo, value.range.hi, ctx.now);
}

/** Interval semantics shared by index entries; exported for the composite components. */
export function matchInterval(prefix: Prefix, qlo: Date, qhi: Date, now: Date): EntryMatch {
  const within = { lo: { $gte: qlo }, hi: { $lte: qhi } };
  switch (prefix) {
    case 'eq':
      return within;
    case 'ne':
      return anyOf([{ lo: { $lt: qlo } }, { hi: { $gt: qhi } }]);
    case 'gt':
      return { hi: { $gt: qhi } };
    case 'lt':
      return { lo: { $lt: qlo } };
    case 'ge':
      return anyOf([{ hi: { $gt: qhi } }, within]);
    case 'le':
      return anyOf([{ lo: { $lt: qlo } }, within]);
    case 'sa':
      return { lo: { $gte: qhi } };
    case 'eb':
      return { hi: { $lte: qlo } };
    case 'ap': {
      const { lo, hi } = widenApproximately(qlo, qhi, now);
      return { lo: { $lt: hi }, hi: { $gt: lo } };
    }
  }
}

/**
 * `ap`: the spec suggests 10% of the distance between the value and now; Ward widens the query
 * interval by that much on each side (at least one day) and matches overlapping intervals.
 */
function widenApproximately(qlo: Date, qhi: Date, now: Date): { lo: Date; hi: Date } {
  const gapMs = Math.abs(now.getTime() - qlo.getTime());
  const slackMs = Math.max(gapMs * 0.1, 86_400_000);
  return { lo: new Date(qlo.getTime() - slackMs), hi: new Date(qhi.getTime() + slackMs) };
}

/** The document's own `lastUpdated` instant as the interval [t, t + 1 ms). */
export function matchInstantField(field: string, value: DateValue, now: Date): EntryMatch {
  const { lo: qlo, hi: qhi } = value.range;
  switch (value.prefix) {
    case 'eq':
      return { [field]: { $gte: qlo, $lt: qhi } };
    case 'ne':
      return anyOf([{ [field]: { $lt: qlo } }, { [field]: { $gte: qhi } }]);
    case 'gt':
    case 'sa':
      return { [field]: { $gte: qhi } };
    case 'lt':
    case 'eb':
      return { [field]: { $lt: qlo } };
    case 'ge':
      return { [field]: { $gte: qlo } };
    case 'le':
      return { [field]: { $lt: qhi } };
    case 'ap': {
      const { lo, hi } = widenApproximately(qlo, qhi, now);
      return { [field]: { $gte: lo, $lt: hi } };
    }
  }
}

const yearOperators: Partial<Record<Prefix, string>> = {
  eq: '$eq',
  ne: '$ne',
  gt: '$gt',
  sa: '$gt',
  lt: '$lt',
  eb: '$lt',
  ge: '$gte',
  le: '$lte',
};

/**
 * Protected dates (birth date) keep only the year in clear (`yr`) and an HMAC of the value at
 * its written precision (`hd`). So: any comparison at year precision; equality (and `ne`) at
 * month or day precision by HMAC, a month query also listing each of its days; nothing finer.
 */
function matchProtectedDate(def: SearchParamDef, value: DateValue, ctx: CompileContext): EntryMatch {
  const { prefix, range } = value;
  if (range.precision === 'year') {
    const operator = yearOperators[prefix];
    if (operator) return { yr: { [operator]: range.lo.getUTCFullYear() } };
  }
  const isDayOrMonth = range.precision === 'day' || range.precision === 'month';
  if (!isDayOrMonth || (prefix !== 'eq' && prefix !== 'ne')) {
    throw new FhirError(
      'invalidInput',
      `${def.code} is stored as a blind index: it supports comparisons by year and equality by month or day only`,
    );
  }
  const hashes = writtenForms(range).map((text) => ctx.blind(def.code, text));
  return { hd: { [prefix === 'eq' ? '$in' : '$nin']: hashes } };
}

/** The written values whose interval lies inside a month or day query. */
function writtenForms(range: DateRange): string[] {
  const month = range.normalized.slice(0, 7);
  if (range.precision === 'day') return [range.normalized.slice(0, 10)];
  const forms = [month];
  for (let t = range.lo.getTime(); t < range.hi.getTime(); t += 86_400_000) {
    forms.push(new Date(t).toISOString().slice(0, 10));
  }
  return forms;
}
