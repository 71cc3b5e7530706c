import { describe, expect, it } from 'vitest';
import { toDateInterval } from '../../src/search/normalize-date.ts';

function iso(text: string): [string, string] | undefined {
  const interval = toDateInterval(text);
  return interval && [interval.lo.toISOString(), interval.hi.toISOString()];
}

describe('toDateInterval', () => {
  it('spans the whole year for a year', () => {
    expect(iso('2020')).toEqual(['2020-01-01T00:00:00.000Z', '2021-01-01T00:00:00.000Z']);
  });

  it('spans the month for a year-month, leap February included', () => {
    expect(iso('2020-02')).toEqual(['2020-02-01T00:00:00.000Z', '2020-03-01T00:00:00.000Z']);
    expect(iso('2019-12')).toEqual(['2019-12-01T00:00:00.000Z', '2020-01-01T00:00:00.000Z']);
  });

  it('spans the day for a date, read as UTC', () => {
    expect(iso('2020-02-29')).toEqual(['2020-02-29T00:00:00.000Z', '2020-03-01T00:00:00.000Z']);
  });

  it('spans one second for a dateTime with seconds, shifted by its offset', () => {
    expect(iso('2020-03-04T10:20:30+02:00')).toEqual([
      '2020-03-04T08:20:30.000Z',
      '2020-03-04T08:20:31.000Z',
    ]);
    expect(iso('2020-12-31T23:30:00-05:30')).toEqual([
      '2021-01-01T05:00:00.000Z',
      '2021-01-01T05:00:01.000Z',
    ]);
  });

  it('spans one minute for a time without seconds, and assumes UTC without a zone', () => {
    expect(iso('2020-03-04T10:20')).toEqual([
      '2020-03-04T10:20:00.000Z',
      '2020-03-04T10:21:00.000Z',
    ]);
  });

  it('follows the written fraction digits of an instant', () => {
    expect(iso('2020-03-04T10:20:30.5Z')).toEqual([
      '2020-03-04T10:20:30.500Z',
      '2020-03-04T10:20:30.600Z',
    ]);
    expect(iso('2020-03-04T10:20:30.123Z')).toEqual([
      '2020-03-04T10:20:30.123Z',
      '2020-03-04T10:20:30.124Z',
    ]);
  });

  it('keeps years before 100 as written', () => {
    expect(iso('0050')?.[0]).toBe('0050-01-01T00:00:00.000Z');
  });

  it('rejects what is not a FHIR date', () => {
    for (const bad of [
      '2020-13',
      '2019-02-29',
      '2020-1-1',
      'yesterday',
      '2020-01-01T25:00:00Z',
      '2020-01-01T10:00:00+14:30',
    ]) {
      expect(toDateInterval(bad), bad).toBeUndefined();
    }
  });
});
