import type { TypedValue } from './accessors.ts';
import type { SearchParamType } from './definitions.ts';
import type { EntryBody, ExtractContext } from './extract-context.ts';
import { toDateEntries } from './extract-date.ts';
import { toNumberEntries, toQuantityEntries } from './extract-quantity.ts';
import { toReferenceEntries } from './extract-reference.ts';
import { toStringEntries } from './extract-string.ts';
import { toTokenEntries } from './extract-token.ts';

type Converter = (item: TypedValue, ctx: ExtractContext) => EntryBody[];

const converters: Partial<Record<SearchParamType, Converter>> = {
  string: toStringEntries,
  token: toTokenEntries,
  reference: toReferenceEntries,
  date: toDateEntries,
  number: toNumberEntries,
  quantity: toQuantityEntries,
  uri: toUriEntries,
};

/**
 * Index entries (without parameter code) for one selected value of a parameter of `type`.
 * Composite and special parameters have no per-value form and give nothing here.
 */
export function toEntryBodies(
  type: SearchParamType,
  item: TypedValue,
  ctx: ExtractContext,
): EntryBody[] {
  const convert = converters[type];
  return convert ? convert(item, ctx) : [];
}

function toUriEntries(item: TypedValue, ctx: ExtractContext): EntryBody[] {
  // No uri parameter of ours identifies a person; a protected one would need its own design.
  if (ctx.isProtected || typeof item.value !== 'string' || item.value === '') return [];
  return [{ t: 'uri', u: item.value }];
}
