import type { TypedValue } from './accessors.ts';
import { isRecord, readString, type EntryBody, type ExtractContext } from './extract-context.ts';
import type { ReferenceEntry } from './index-entry.ts';

/**
 * reference parameters (http://hl7.org/fhir/R4/search.html#reference). Relative references give
 * `ref` = `Type/id` (any `/_history/n` dropped: search matches the resource, not a version).
 * Absolute ones keep `url`, plus `ref` when they end in `Type/id`, because the server's own base
 * is not known here and a query by `Type/id` should still find references written against it.
 * Contained references (`#id`) are not indexed: they never point at a stored resource.
 * `Reference.identifier` is indexed for `:identifier`, its value blinded (index-entry.ts).
 */

const typeAndId =
  /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** Index entries of one value of a reference parameter. */
export function toReferenceEntries(item: TypedValue, ctx: ExtractContext): EntryBody[] {
  const { value } = item;
  if (typeof value === 'string') return fromReferenceString(value);
  if (!isRecord(value)) return [];

  const target = typeof value.reference === 'string' ? parseReference(value.reference) : undefined;
  const identifier = isRecord(value.identifier) ? fromIdentifier(value.identifier, ctx) : undefined;
  if (!target && !identifier) return [];
  return [{ t: 'reference', ...target, ...identifier }];
}

/** The blind-index purpose of a reference parameter's identifiers: apart from its other values. */
export function referenceIdentifierPurpose(code: string): string {
  return `${code}:identifier`;
}

function fromIdentifier(
  identifier: Record<string, unknown>,
  ctx: ExtractContext,
): Pick<ReferenceEntry, 'isys' | 'hid'> | undefined {
  const value = readString(identifier, 'value');
  if (value === undefined) return undefined;
  const system = readString(identifier, 'system');
  const hid = ctx.blind(referenceIdentifierPurpose(ctx.code), value);
  return system === undefined ? { hid } : { isys: system, hid };
}

/** Splits a reference string into its index fields; undefined for contained or empty ones. */
export function parseReference(reference: string): Omit<ReferenceEntry, 'p'> | undefined {
  if (reference === '' || reference.startsWith('#')) return undefined;
  const isAbsolute = /^[a-z][a-z0-9+.-]*:/i.test(reference);
  const m = typeAndId.exec(reference);
  const entry: Omit<ReferenceEntry, 'p'> = { t: 'reference' };
  if (m) {
    const [, rt = '', rid = ''] = m;
    const isWholeRelative = !isAbsolute && m.index === 0;
    if (isAbsolute || isWholeRelative) Object.assign(entry, { ref: `${rt}/${rid}`, rt, rid });
  }
  if (isAbsolute) entry.url = reference;
  return entry.ref === undefined && entry.url === undefined ? undefined : entry;
}

function fromReferenceString(reference: string): EntryBody[] {
  const entry = parseReference(reference);
  return entry ? [entry] : [];
}
