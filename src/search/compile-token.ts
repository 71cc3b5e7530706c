import { FhirError } from '../fhir/fhir-error.ts';
import type { SearchParamDef } from './definitions.ts';
import { startsWith } from './compile-match.ts';
import type { CompileContext, EntryMatch } from './compile-types.ts';
import { normalizeContactValue } from './extract-token.ts';
import { foldText } from './normalize-string.ts';
import type { TokenTextValue, TokenValue } from './parse-types.ts';

/** Protected tokens whose values are ContactPoints, normalized before blinding (E's rule). */
const contactPointParams = new Set(['telecom', 'phone', 'email']);

/**
 * token: `code` (any system), `system|code`, `|code` (no system), `system|` (any code).
 * Codes compare exactly. http://hl7.org/fhir/R4/search.html#token
 */
export function matchToken(def: SearchParamDef, value: TokenValue, ctx: CompileContext): EntryMatch {
  const match: EntryMatch = {};
  if (value.system === '') match.sys = null;
  else if (value.system !== undefined) match.sys = value.system;
  if (value.code === undefined) return match;

  if (def.isProtected) {
    const isContact = contactPointParams.has(def.code);
    const normalized = isContact ? normalizeContactValue(value.code) : value.code;
    match.hc = ctx.blind(def.code, normalized);
  } else {
    match.code = value.code;
  }
  return match;
}

/** `:text`: starts-with on the folded display text of the coding or concept. */
export function matchTokenText(def: SearchParamDef, value: TokenTextValue): EntryMatch {
  if (def.isProtected) {
    throw new FhirError(
      'invalidInput',
      `:text is not available on ${def.code}: its values are stored only as blind indexes`,
    );
  }
  return startsWith('x', foldText(value.text));
}
