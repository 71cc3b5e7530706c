/**
 * Date values as the half-open UTC interval [lo, hi) their precision implies
 * (http://hl7.org/fhir/R4/search.html#date): `2020` is the whole year, `2020-03-04T10:00:00+02:00`
 * one second. Values without a time zone (dates, and the rare dateTime with a time but no zone)
 * are read as UTC: the spec leaves their zone to the server, and Ward's is UTC.
 */

/** Stand-ins for open ends (a Period without start or end): the limits of a JavaScript Date. */
export const minDate = new Date(-8.64e15);
export const maxDate = new Date(8.64e15);

export const datePrecisions = ['year', 'month', 'day', 'minute', 'second', 'millisecond'] as const;
export type DatePrecision = (typeof datePrecisions)[number];

export interface DateInterval {
  lo: Date;
  hi: Date;
  precision: DatePrecision;
}

const datePattern =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** Parses a FHIR date, dateTime or instant; undefined when it is not one. */
export function toDateInterval(text: string): DateInterval | undefined {
  const m = datePattern.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;

  if (mo === undefined) return { lo: utc(year, 0, 1), hi: utc(year + 1, 0, 1), precision: 'year' };
  if (d === undefined) {
    return { lo: utc(year, month - 1, 1), hi: utc(year, month, 1), precision: 'month' };
  }
  if (h === undefined) {
    return { lo: utc(year, month - 1, day), hi: utc(year, month - 1, day + 1), precision: 'day' };
  }
  return toTimeInterval(year, month, day, [h, mi, s, fraction, zone]);
}

function toTimeInterval(
  year: number,
  month: number,
  day: number,
  [h, mi, s, fraction, zone]: Array<string | undefined>,
): DateInterval | undefined {
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (hour > 23 || minute > 59 || second > 60) return undefined;

  const digits = fraction?.length ?? 0;
  const millis = digits === 0 ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  const offsetMs = toOffsetMs(zone);
  if (offsetMs === undefined) return undefined;
  const lo = utc(year, month - 1, day, hour, minute, second, millis).getTime() - offsetMs;

  let stepMs = 60_000;
  let precision: DatePrecision = 'minute';
  if (s !== undefined) {
    stepMs = digits === 0 ? 1000 : Math.max(1, 10 ** (3 - digits));
    precision = digits === 0 ? 'second' : 'millisecond';
  }
  return { lo: new Date(lo), hi: new Date(lo + stepMs), precision };
}

/** Offsets run from -14:00 to +14:00; anything else is no time zone. */
function toOffsetMs(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const [hh, mm] = zone.slice(1).split(':').map(Number);
  const minutes = hh! * 60 + mm!;
  if (mm! > 59 || minutes > 14 * 60) return undefined;
  return sign * minutes * 60_000;
}

/** Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not. */
function utc(year: number, month: number, day: number, h = 0, mi = 0, s = 0, ms = 0): Date {
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(h, mi, s, ms);
  return date;
}

function daysInMonth(year: number, month: number): number {
  return utc(year, month, 0).getUTCDate();
}
