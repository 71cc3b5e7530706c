import { allOf, anyOf } from './compile-match.ts';
import type { EntryMatch } from './compile-types.ts';
import type { NumberRange } from './normalize-number.ts';
import type { NumberValue, Prefix, QuantityValue } from './parse-types.ts';

/**
 * number: the stored value `n` against the query value and its implicit precision range;
 * `sa`/`eb` compare the stored value's own range. http://hl7.org/fhir/R4/search.html#number
 */
export function matchNumber(value: NumberValue): EntryMatch {
  return matchNumberRange(value.prefix, value.range);
}

/**
 * quantity: the number rule plus the unit: `value|system|code` must match system and code;
 * `value||unit` matches the unit code or the unit text. No unit conversion (UCUM canonical
 * forms are not indexed). http://hl7.org/fhir/R4/search.html#quantity
 */
export function matchQuantity(value: QuantityValue): EntryMatch {
  const number = matchNumberRange(value.prefix, value.range);
  if (value.code === undefined && value.system === undefined) return number;

  const unit: EntryMatch[] = [];
  if (value.system !== undefined) unit.push({ sys: value.system });
  if (value.code !== undefined) {
    const codeOrUnit = anyOf([{ code: value.code }, { unit: value.code }]);
    unit.push(value.system !== undefined ? { code: value.code } : codeOrUnit);
  }
  return allOf([number, ...unit]);
}

function matchNumberRange(prefix: Prefix, q: NumberRange): EntryMatch {
  switch (prefix) {
    case 'eq':
      return { n: { $gte: q.lo, $lt: q.hi } };
    case 'ne':
      return anyOf([{ n: { $lt: q.lo } }, { n: { $gte: q.hi } }]);
    case 'gt':
      return { n: { $gt: q.n } };
    case 'lt':
      return { n: { $lt: q.n } };
    case 'ge':
      return { n: { $gte: q.n } };
    case 'le':
      return { n: { $lte: q.n } };
    case 'sa':
      return { lo: { $gte: q.hi } };
    case 'eb':
      return { hi: { $lte: q.lo } };
    case 'ap': {
      // The spec leaves "approximately" to the server; Ward takes ±10% of the value.
      const slack = Math.abs(q.n) * 0.1;
      return { n: { $gte: Math.min(q.lo, q.n - slack), $lte: Math.max(q.hi, q.n + slack) } };
    }
  }
}
