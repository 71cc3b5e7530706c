/**
 * Numbers with the implicit range of their significant figures
 * (http://hl7.org/fhir/R4/search.html#number): `100` is [99.5, 100.5), `1.50` is [1.495, 1.505).
 *
 * A JavaScript number has lost the trailing zeros of its JSON text (`1.50` parses as 1.5), so a
 * stored value's range comes from its shortest decimal form unless the caller passes the text.
 */

export interface NumberRange {
  n: number;
  lo: number;
  hi: number;
}

const decimalPattern = /^[+-]?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** Value and range of a decimal given as a number or as its text; undefined if not a decimal. */
export function toNumberRange(value: number | string): NumberRange | undefined {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const m = decimalPattern.exec(text);
  if (!m) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) return undefined;

  const decimals = (m[2]?.length ?? 0) - Number(m[3] ?? 0);
  const half = 5 * 10 ** -(decimals + 1);
  return { n, lo: roundTo(n - half, decimals + 1), hi: roundTo(n + half, decimals + 1) };
}

/** Removes binary floating-point noise (1.5 - 0.05 = 1.4500000000000002). */
function roundTo(x: number, digits: number): number {
  if (digits <= 0 || digits > 100) return x;
  return Number(x.toFixed(digits));
}
