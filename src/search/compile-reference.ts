import type { CompileContext, EntryMatch } from './compile-types.ts';
import type { SearchParamDef } from './definitions.ts';
import { referenceIdentifierPurpose } from './extract-reference.ts';
import type { Modifier, ReferenceValue, UriValue } from './parse-types.ts';

/**
 * reference: `Type/id` on `ref`, a bare id on `rid` (any target type), an absolute URL not
 * under this server's base on `url`, `:identifier` on the blinded `Reference.identifier`.
 * http://hl7.org/fhir/R4/search.html#reference
 */
export function matchReference(
  def: SearchParamDef,
  value: ReferenceValue,
  ctx: CompileContext,
): EntryMatch {
  if (value.identifier !== undefined) return matchIdentifier(def, value.identifier, ctx);
  if (value.ref !== undefined) return { ref: value.ref };
  if (value.id !== undefined) return { rid: value.id };
  return { url: value.url };
}

/** `:identifier`: the identifier's system (or its absence) and the HMAC of its value. */
function matchIdentifier(
  def: SearchParamDef,
  identifier: NonNullable<ReferenceValue['identifier']>,
  ctx: CompileContext,
): EntryMatch {
  const hid = ctx.blind(referenceIdentifierPurpose(def.code), identifier.value);
  if (identifier.system === undefined) return { hid };
  return { isys: identifier.system === '' ? null : identifier.system, hid };
}

/**
 * uri: exact by default; `:below` the value or any path under it, `:above` the value or any of
 * its parent paths (cut at `/`). http://hl7.org/fhir/R4/search.html#uri
 */
export function matchUri(value: UriValue, modifier: Modifier | undefined): EntryMatch {
  if (modifier === 'below') {
    const base = value.uri.replace(/\/+$/, '');
    return { $or: [{ u: base }, { u: { $gte: `${base}/`, $lt: `${base}/\uffff` } }] };
  }
  if (modifier === 'above') return { u: { $in: parentPaths(value.uri) } };
  return { u: value.uri };
}

function parentPaths(uri: string): string[] {
  const paths = new Set([uri]);
  const schemeEnd = uri.indexOf('://');
  const start = schemeEnd >= 0 ? schemeEnd + 3 : 0;
  for (let i = uri.indexOf('/', start); i >= 0; i = uri.indexOf('/', i + 1)) {
    paths.add(uri.slice(0, i));
    paths.add(uri.slice(0, i + 1));
  }
  return [...paths];
}
