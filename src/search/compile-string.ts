import { FhirError } from '../fhir/fhir-error.ts';
import type { SearchParamDef } from './definitions.ts';
import { escapeRegExp, startsWith } from './compile-match.ts';
import type { CompileContext, EntryMatch } from './compile-types.ts';
import { foldText } from './normalize-string.ts';
import type { Modifier, StringValue } from './parse-types.ts';

/**
 * string: starts-with on the folded value by default, `:exact` on the exact value, `:contains`
 * anywhere in the folded value. http://hl7.org/fhir/R4/search.html#string
 */
export function matchString(
  def: SearchParamDef,
  value: StringValue,
  modifier: Modifier | undefined,
  ctx: CompileContext,
): EntryMatch {
  if (def.isProtected) return matchProtectedString(def, value, modifier, ctx);
  if (modifier === 'exact') return { e: value.text };

  const folded = foldText(value.text);
  if (modifier === 'contains') return { s: { $regex: escapeRegExp(folded) } };
  return startsWith('s', folded);
}

/**
 * Protected strings exist only as HMACs: of the folded value (`hs`), the exact value (`he`) and
 * the folded prefixes up to the cap (`hp`). A query prefix longer than the cap can only be
 * compared whole, so it matches values equal to it after folding (documented limit).
 */
function matchProtectedString(
  def: SearchParamDef,
  value: StringValue,
  modifier: Modifier | undefined,
  ctx: CompileContext,
): EntryMatch {
  if (modifier === 'contains') {
    throw new FhirError(
      'invalidInput',
      `:contains is not available on ${def.code}: its values are stored only as blind indexes`,
    );
  }
  if (modifier === 'exact') return { he: ctx.blind(def.code, value.text) };

  const folded = foldText(value.text);
  if (Array.from(folded).length > ctx.protectedPrefixCap) return { hs: ctx.blind(def.code, folded) };
  return { hp: ctx.blind(`${def.code}:prefix`, folded) };
}
