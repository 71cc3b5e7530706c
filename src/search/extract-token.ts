import type { TypedValue } from './accessors.ts';
import { isRecord, readString, type EntryBody, type ExtractContext } from './extract-context.ts';
import type { TokenEntry } from './index-entry.ts';
import { foldText } from './normalize-string.ts';

type TokenBody = Omit<TokenEntry, 'p'>;

/**
 * token parameters (http://hl7.org/fhir/R4/search.html#token): Coding, CodeableConcept,
 * Identifier, ContactPoint and primitive codes. `x` holds folded display text for `:text`.
 * Protected tokens (identifiers, telecom) keep the system in clear and blind the value as `hc`.
 */

/** Index entries of one value of a token parameter. */
export function toTokenEntries(item: TypedValue, ctx: ExtractContext): EntryBody[] {
  const { value } = item;
  if (typeof value === 'boolean' || typeof value === 'number') return [code(String(value), ctx)];
  if (typeof value === 'string') return value === '' ? [] : [code(value, ctx)];
  if (!isRecord(value)) return [];

  switch (item.type) {
    case 'Coding':
      return fromCoding(value, ctx);
    case 'CodeableConcept':
      return fromCodeableConcept(value, ctx);
    case 'Identifier':
      return fromIdentifier(value, ctx);
    case 'ContactPoint':
      return fromContactPoint(value, ctx);
    default:
      return [];
  }
}

/**
 * Normal form of a contact value before blinding. It depends on the value alone, so a query
 * without a system (`telecom=555-0100`) normalizes the same way: phone-like values keep their
 * digits, e-mail addresses are lower-cased.
 */
export function normalizeContactValue(value: string): string {
  const trimmed = value.trim();
  if (/^[\d\s()+.\-/]+$/.test(trimmed) && /\d/.test(trimmed)) return trimmed.replace(/\D/g, '');
  if (trimmed.includes('@')) return trimmed.toLowerCase();
  return trimmed;
}

function code(value: string, ctx: ExtractContext, sys?: string): TokenBody {
  const entry: TokenBody = { t: 'token' };
  if (sys !== undefined) entry.sys = sys;
  if (ctx.isProtected) entry.hc = ctx.blind(ctx.code, value);
  else entry.code = value;
  return entry;
}

function fromCoding(coding: Record<string, unknown>, ctx: ExtractContext): EntryBody[] {
  const sys = readString(coding, 'system');
  const value = readString(coding, 'code');
  const display = readString(coding, 'display');
  if (sys === undefined && value === undefined && display === undefined) return [];

  const entry: TokenBody = value === undefined ? { t: 'token' } : code(value, ctx);
  if (sys !== undefined) entry.sys = sys;
  if (display !== undefined && !ctx.isProtected) entry.x = foldText(display);
  return [entry];
}

function fromCodeableConcept(concept: Record<string, unknown>, ctx: ExtractContext): EntryBody[] {
  const out: EntryBody[] = [];
  const codings = concept.coding;
  if (Array.isArray(codings)) {
    for (const coding of codings) if (isRecord(coding)) out.push(...fromCoding(coding, ctx));
  }
  const text = readString(concept, 'text');
  if (text !== undefined && !ctx.isProtected) out.push({ t: 'token', x: foldText(text) });
  return out;
}

function fromIdentifier(identifier: Record<string, unknown>, ctx: ExtractContext): EntryBody[] {
  const value = readString(identifier, 'value');
  if (value === undefined) return [];
  const entry = code(value, ctx, readString(identifier, 'system'));
  // The identifier's type text ("Medical record number") labels the value; it is not the value.
  const type = identifier.type;
  const typeText = isRecord(type) ? readString(type, 'text') : undefined;
  if (typeText !== undefined) entry.x = foldText(typeText);
  return [entry];
}

function fromContactPoint(contact: Record<string, unknown>, ctx: ExtractContext): EntryBody[] {
  const value = readString(contact, 'value');
  if (value === undefined) return [];
  const normalized = ctx.isProtected ? normalizeContactValue(value) : value;
  return [code(normalized, ctx, readString(contact, 'system'))];
}
