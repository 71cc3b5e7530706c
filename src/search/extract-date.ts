import type { TypedValue } from './accessors.ts';
import { isRecord, readString, type EntryBody, type ExtractContext } from './extract-context.ts';
import type { DateEntry } from './index-entry.ts';
import { maxDate, minDate, toDateInterval, type DateInterval } from './normalize-date.ts';

/**
 * date parameters: one [lo, hi) interval per value (http://hl7.org/fhir/R4/search.html#date).
 * A Period spans its start's lo to its end's hi, open ends reaching the limits of Date. A Timing
 * keeps only its outer limits (events and repeat bounds), as the spec says for Timing.
 */

/** Index entries of one value of a date parameter. */
export function toDateEntries(item: TypedValue, ctx: ExtractContext): EntryBody[] {
  const { value } = item;
  if (typeof value === 'string') {
    const interval = toDateInterval(value);
    if (!interval) return [];
    return [ctx.isProtected ? toProtectedDate(value, interval, ctx) : toEntry(interval)];
  }
  // Only a plain date can be reduced to year + blind index; anything else stays out (fail closed).
  if (ctx.isProtected || !isRecord(value)) return [];

  const interval = item.type === 'Timing' ? fromTiming(value) : fromPeriod(value);
  return interval ? [toEntry(interval)] : [];
}

/**
 * A protected date (birth date, death date) keeps only what Safe Harbor allows in clear, the
 * year: `yr`, and `lo`/`hi` widened to that whole year so year ranges still work. The value at
 * its written precision (`1970-03-04`, `1970-03` or `1970`, time of day dropped) is blinded as
 * `hd` for equality at that precision.
 */
function toProtectedDate(text: string, interval: DateInterval, ctx: ExtractContext): EntryBody {
  const written = text.slice(0, 10);
  const yr = Number(text.slice(0, 4));
  const year = toDateInterval(String(yr).padStart(4, '0'));
  const lo = year?.lo ?? interval.lo;
  const hi = year?.hi ?? interval.hi;
  return { t: 'date', lo, hi, hd: ctx.blind(ctx.code, written), yr };
}

function toEntry(interval: { lo: Date; hi: Date }): Omit<DateEntry, 'p'> {
  return { t: 'date', lo: interval.lo, hi: interval.hi };
}

function fromPeriod(period: Record<string, unknown>): { lo: Date; hi: Date } | undefined {
  const start = readString(period, 'start');
  const end = readString(period, 'end');
  if (start === undefined && end === undefined) return undefined;
  const lo = start === undefined ? minDate : toDateInterval(start)?.lo;
  const hi = end === undefined ? maxDate : toDateInterval(end)?.hi;
  return lo && hi ? { lo, hi } : undefined;
}

function fromTiming(timing: Record<string, unknown>): { lo: Date; hi: Date } | undefined {
  const intervals: Array<{ lo: Date; hi: Date }> = [];
  const events = timing.event;
  if (Array.isArray(events)) {
    for (const event of events) {
      const interval = typeof event === 'string' ? toDateInterval(event) : undefined;
      if (interval) intervals.push(interval);
    }
  }
  const repeat = timing.repeat;
  const bounds = isRecord(repeat) ? repeat.boundsPeriod : undefined;
  const boundsInterval = isRecord(bounds) ? fromPeriod(bounds) : undefined;
  if (boundsInterval) intervals.push(boundsInterval);
  if (intervals.length === 0) return undefined;

  let { lo, hi } = intervals[0] ?? { lo: minDate, hi: maxDate };
  for (const i of intervals) {
    if (i.lo < lo) lo = i.lo;
    if (i.hi > hi) hi = i.hi;
  }
  return { lo, hi };
}
