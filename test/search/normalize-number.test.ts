import { describe, expect, it } from 'vitest';
import { toNumberRange } from '../../src/search/normalize-number.ts';

describe('toNumberRange', () => {
  it('gives an integer a range of plus or minus one half', () => {
    expect(toNumberRange(100)).toEqual({ n: 100, lo: 99.5, hi: 100.5 });
  });

  it('honours trailing zeros when the decimal text is given', () => {
    expect(toNumberRange('1.50')).toEqual({ n: 1.5, lo: 1.495, hi: 1.505 });
  });

  it('reads a JavaScript number by its shortest decimal form', () => {
    expect(toNumberRange(1.5)).toEqual({ n: 1.5, lo: 1.45, hi: 1.55 });
    expect(toNumberRange(0.001)).toEqual({ n: 0.001, lo: 0.0005, hi: 0.0015 });
    expect(toNumberRange(-2.25)).toEqual({ n: -2.25, lo: -2.255, hi: -2.245 });
  });

  it('widens the range by the exponent of scientific notation', () => {
    expect(toNumberRange('1e3')).toEqual({ n: 1000, lo: 500, hi: 1500 });
    expect(toNumberRange('1.0e2')).toEqual({ n: 100, lo: 95, hi: 105 });
  });

  it('rejects what is not a decimal', () => {
    expect(toNumberRange('12abc')).toBeUndefined();
    expect(toNumberRange(Number.NaN)).toBeUndefined();
  });
});
