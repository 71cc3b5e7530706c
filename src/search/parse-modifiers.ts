import { FhirError } from '../fhir/fhir-error.ts';
import type { SearchParamDef, SearchParamType } from './definitions.ts';
import type { Modifier } from './parse-types.ts';

/**
 * Modifiers the spec allows per parameter type and Ward implements.
 * http://hl7.org/fhir/R4/search.html#modifiers
 */
const implemented: Readonly<Record<SearchParamType, readonly Modifier[]>> = {
  string: ['missing', 'exact', 'contains'],
  token: ['missing', 'not', 'text'],
  reference: ['missing', 'type', 'identifier'],
  date: ['missing'],
  number: ['missing'],
  quantity: ['missing'],
  uri: ['missing', 'above', 'below'],
  composite: ['missing'],
  special: [],
};

/** Every modifier some parameter type takes, for the CapabilityStatement (`type` is `:[type]`). */
export const supportedModifiers: readonly Modifier[] = [...new Set(Object.values(implemented).flat())];

/**
 * Modifiers the spec allows but Ward refuses with 501 rather than ignore, because dropping them
 * would widen the result: token hierarchy and value-set modifiers need a terminology service,
 * reference hierarchies need the targets' own hierarchy links.
 */
const refused: Readonly<Partial<Record<SearchParamType, readonly string[]>>> = {
  token: ['above', 'below', 'in', 'not-in', 'of-type'],
  reference: ['above', 'below'],
};

export interface ParsedModifier {
  modifier?: Modifier;
  targetType?: string;
}

/** Checks a modifier against the parameter's type; 400 when the spec does not allow it. */
export function parseModifier(def: SearchParamDef, text: string | undefined): ParsedModifier {
  if (text === undefined) return {};
  if (refused[def.type]?.includes(text)) {
    throw new FhirError('unsupported', `modifier :${text} is not supported on parameter ${def.code}`);
  }
  if (def.type === 'reference' && /^[A-Z][A-Za-z]*$/.test(text)) {
    if (!def.target?.includes(text)) {
      throw new FhirError('invalidInput', `parameter ${def.code} cannot refer to type ${text}`);
    }
    return { modifier: 'type', targetType: text };
  }
  const modifier = implemented[def.type].find((m) => m === text && m !== 'type');
  if (!modifier) {
    throw new FhirError('invalidInput', `modifier not allowed on parameter ${def.code}`);
  }
  return { modifier };
}
