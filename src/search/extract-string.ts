import type { TypedValue } from './accessors.ts';
import { isRecord, readStrings, type EntryBody, type ExtractContext } from './extract-context.ts';
import { toSoundex } from './normalize-phonetic.ts';
import { foldText } from './normalize-string.ts';

/**
 * string parameters. HumanName and Address index each part as its own entry, so that the
 * default starts-with match applies to each part, as the spec intends
 * (http://hl7.org/fhir/R4/search.html#string: "any of the string fields in the HumanName").
 */

/**
 * Prefix lengths stored for protected strings (the folded value's first 1..12 characters).
 * A query prefix longer than the cap can only be checked up to the cap.
 */
export const protectedPrefixMaxLength = 12;

const nameParts = ['family', 'given', 'prefix', 'suffix', 'text'] as const;
const phoneticParts = ['family', 'given'] as const;
const addressParts = [
  'line',
  'city',
  'district',
  'state',
  'postalCode',
  'country',
  'text',
] as const;

/** Index entries of one value of a string parameter. */
export function toStringEntries(item: TypedValue, ctx: ExtractContext): EntryBody[] {
  if (ctx.code === 'phonetic') return toPhoneticEntries(item, ctx);
  return collectParts(item).map((part) => toStringEntry(part, ctx));
}

/**
 * Blind-index form of a protected string: `hs` = HMAC(code, folded), `he` = HMAC(code, exact),
 * `hp` = HMAC(code + ':prefix', each folded prefix up to the cap). The query side computes the
 * same three from the search value.
 */
export function toStringEntry(text: string, ctx: ExtractContext): EntryBody {
  const folded = foldText(text);
  if (!ctx.isProtected) return { t: 'string', s: folded, e: text };

  const prefixPurpose = `${ctx.code}:prefix`;
  const hp = toPrefixes(folded).map((prefix) => ctx.blind(prefixPurpose, prefix));
  return { t: 'string', hs: ctx.blind(ctx.code, folded), he: ctx.blind(ctx.code, text), hp };
}

/** The folded value's prefixes of 1..cap characters (code points, not UTF-16 units). */
export function toPrefixes(folded: string): string[] {
  const chars = /^[\x00-\x7f]*$/.test(folded) ? undefined : Array.from(folded);
  const length = Math.min(chars?.length ?? folded.length, protectedPrefixMaxLength);
  const out: string[] = [];
  for (let len = 1; len <= length; len++) {
    out.push(chars ? chars.slice(0, len).join('') : folded.slice(0, len));
  }
  return out;
}

function toPhoneticEntries(item: TypedValue, ctx: ExtractContext): EntryBody[] {
  if (!isRecord(item.value)) return [];
  const out: EntryBody[] = [];
  for (const field of phoneticParts) {
    for (const part of readStrings(item.value[field])) {
      const code = toSoundex(part);
      if (code === undefined) continue;
      out.push(
        ctx.isProtected ? { t: 'string', hs: ctx.blind(ctx.code, code) } : { t: 'string', s: code },
      );
    }
  }
  return out;
}

function collectParts(item: TypedValue): string[] {
  if (typeof item.value === 'string') return item.value === '' ? [] : [item.value];
  if (!isRecord(item.value)) return [];
  const fields =
    item.type === 'HumanName' ? nameParts : item.type === 'Address' ? addressParts : undefined;
  if (!fields) return [];
  const record = item.value;
  return fields.flatMap((field) => readStrings(record[field]));
}
