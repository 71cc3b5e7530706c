import { isTypeOf } from './accessors-model.ts';
import type { TypedValue } from './accessors.ts';
import { isRecord, readString, type EntryBody, type ExtractContext } from './extract-context.ts';
import type { QuantityEntry } from './index-entry.ts';
import { toNumberRange } from './normalize-number.ts';

/**
 * number and quantity parameters (http://hl7.org/fhir/R4/search.html#number, #quantity): the
 * value with its significant-figure range. A comparator opens the range on its side (`<5` is
 * everything below 5.5). SampledData contributes its origin, the zero point of its samples.
 */

/** Index entries of one value of a number parameter. */
export function toNumberEntries(item: TypedValue, _ctx: ExtractContext): EntryBody[] {
  const { value } = item;
  if (typeof value !== 'number' && typeof value !== 'string') return [];
  const range = toNumberRange(value);
  return range ? [{ t: 'number', ...range }] : [];
}

/** Index entries of one value of a quantity parameter. */
export function toQuantityEntries(item: TypedValue, _ctx: ExtractContext): EntryBody[] {
  if (!isRecord(item.value)) return [];
  if (item.type === 'SampledData') {
    const origin = item.value.origin;
    return isRecord(origin) ? fromQuantity(origin) : [];
  }
  return isTypeOf(item.type, 'Quantity') ? fromQuantity(item.value) : [];
}

function fromQuantity(quantity: Record<string, unknown>): EntryBody[] {
  const value = quantity.value;
  if (typeof value !== 'number' && typeof value !== 'string') return [];
  const range = toNumberRange(value);
  if (!range) return [];

  const entry: Omit<QuantityEntry, 'p'> = { t: 'quantity', ...range };
  const comparator = quantity.comparator;
  // Open ends as the largest finite doubles: FerretDB refuses to store Infinity.
  if (comparator === '<' || comparator === '<=') entry.lo = -Number.MAX_VALUE;
  if (comparator === '>' || comparator === '>=') entry.hi = Number.MAX_VALUE;

  const sys = readString(quantity, 'system');
  const code = readString(quantity, 'code');
  const unit = readString(quantity, 'unit');
  if (sys !== undefined) entry.sys = sys;
  if (code !== undefined) entry.code = code;
  if (unit !== undefined) entry.unit = unit;
  return [entry];
}
