import { FhirError } from '../fhir/fhir-error.ts';
import { getSearchParam } from './definitions.ts';
import type { SearchParamDef } from './definitions.ts';
import { splitEscaped, unescapeValue } from './parse-escape.ts';
import type { ComponentValue, Modifier, ParamValue, ReferenceValue } from './parse-types.ts';
import { parseDateRange, parseNumberRange, splitPrefix } from './parse-values.ts';

/** What parsing one value needs to know beyond the value itself. */
export interface ValueContext {
  resourceType: string;
  modifier?: Modifier;
  targetType?: string;
  /** This server's base URL: absolute references under it are local `Type/id` references. */
  baseUrl?: string;
}

/**
 * Parses one alternative (one comma-separated part, still escaped) of a parameter's value by
 * the parameter's type. http://hl7.org/fhir/R4/search.html#ptypes
 */
export function parseParamValue(def: SearchParamDef, raw: string, ctx: ValueContext): ParamValue {
  if (ctx.modifier === 'missing') return parseMissing(raw);
  if (ctx.modifier === 'text') return { type: 'token-text', text: requireText(raw) };
  if (def.type === 'composite') return parseComposite(def, raw, ctx);
  return parseComponentValue(def, raw, ctx);
}

function parseMissing(raw: string): ParamValue {
  if (raw !== 'true' && raw !== 'false') {
    throw new FhirError('invalidInput', ':missing takes true or false');
  }
  return { type: 'missing', isMissing: raw === 'true' };
}

function parseComponentValue(def: SearchParamDef, raw: string, ctx: ValueContext): ComponentValue {
  switch (def.type) {
    case 'string':
      return { type: 'string', text: requireText(raw) };
    case 'uri':
      return { type: 'uri', uri: requireText(raw) };
    case 'token':
      return parseToken(raw);
    case 'reference':
      if (ctx.modifier === 'identifier') return parseReferenceIdentifier(raw);
      return parseReference(def, requireText(raw), ctx);
    case 'date': {
      const { prefix, rest } = splitPrefix(unescapeValue(raw));
      return { type: 'date', prefix, range: parseDateRange(rest) };
    }
    case 'number': {
      const { prefix, rest } = splitPrefix(unescapeValue(raw));
      return { type: 'number', prefix, range: parseNumberRange(rest) };
    }
    case 'quantity':
      return parseQuantity(raw);
    default:
      throw new FhirError('unsupported', `parameter ${def.code} of type ${def.type} is not supported`);
  }
}

function requireText(raw: string): string {
  const text = unescapeValue(raw);
  if (text.length === 0) throw new FhirError('invalidInput', 'empty search value');
  return text;
}

/** `[system]|[code]`, `|code` (no system), `system|` (any code), `code` (any system). */
function parseToken(raw: string): ComponentValue {
  const parts = splitEscaped(raw, '|');
  if (parts.length > 2) throw new FhirError('invalidInput', 'malformed token value');
  if (parts.length === 1) return { type: 'token', code: requireText(raw) };
  const [system, code] = parts.map(unescapeValue) as [string, string];
  if (system === '' && code === '') throw new FhirError('invalidInput', 'malformed token value');
  return { type: 'token', system, code: code === '' ? undefined : code };
}

/** `:identifier` takes a token: `system|value`, `|value` (no system) or `value` (any system). */
function parseReferenceIdentifier(raw: string): ReferenceValue {
  const token = parseToken(raw);
  if (token.type !== 'token' || token.code === undefined) {
    throw new FhirError('invalidInput', ':identifier needs an identifier value');
  }
  const identifier = token.system === undefined ? { value: token.code } : { system: token.system, value: token.code };
  return { type: 'reference', identifier };
}

/** `[prefix]number`, `[prefix]number|system|code`, `[prefix]number||code-or-unit`. */
function parseQuantity(raw: string): ComponentValue {
  const parts = splitEscaped(raw, '|').map(unescapeValue);
  if (parts.length !== 1 && parts.length !== 3) {
    throw new FhirError('invalidInput', 'malformed quantity value');
  }
  const [number, system, code] = parts as [string, string?, string?];
  const { prefix, rest } = splitPrefix(number);
  return {
    type: 'quantity',
    prefix,
    range: parseNumberRange(rest),
    system: system || undefined,
    code: code || undefined,
  };
}

const typePattern = /^[A-Z][A-Za-z]{1,63}$/;
const idPattern = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * `Type/id`, a bare `id`, an absolute URL, or `Type/id/_history/vid` (the version is not
 * indexed, so it matches the resource). http://hl7.org/fhir/R4/search.html#reference
 */
function parseReference(def: SearchParamDef, text: string, ctx: ValueContext): ReferenceValue {
  const local = toLocalPath(text, ctx.baseUrl);
  if (local === undefined) return { type: 'reference', url: text };

  const segments = local.split('/');
  const isVersioned = segments.length === 4 && segments[2] === '_history';
  if (segments.length === 1) return bareId(def, segments[0] as string, ctx);
  if (segments.length !== 2 && !isVersioned) {
    throw new FhirError('invalidInput', 'malformed reference value');
  }

  const [type, id] = segments as [string, string];
  if (!typePattern.test(type) || !idPattern.test(id)) {
    throw new FhirError('invalidInput', 'malformed reference value');
  }
  if (ctx.targetType !== undefined && ctx.targetType !== type) {
    throw new FhirError('invalidInput', 'reference value does not match its type modifier');
  }
  return { type: 'reference', ref: `${type}/${id}` };
}

function toLocalPath(text: string, baseUrl: string | undefined): string | undefined {
  const isAbsolute = /^[a-z][a-z0-9+.-]*:/i.test(text);
  if (!isAbsolute) return text;
  if (baseUrl !== undefined && text.startsWith(`${baseUrl}/`)) return text.slice(baseUrl.length + 1);
  return undefined;
}

function bareId(def: SearchParamDef, id: string, ctx: ValueContext): ReferenceValue {
  if (!idPattern.test(id)) throw new FhirError('invalidInput', 'malformed reference value');
  const onlyTarget = def.target?.length === 1 ? def.target[0] : undefined;
  const type = ctx.targetType ?? onlyTarget;
  return type === undefined ? { type: 'reference', id } : { type: 'reference', ref: `${type}/${id}` };
}

/**
 * `a$b`: one value per component, each parsed by its component parameter's type (prefixes
 * allowed on ordered components). http://hl7.org/fhir/R4/search.html#combining
 */
function parseComposite(def: SearchParamDef, raw: string, ctx: ValueContext): ParamValue {
  const parts = splitEscaped(raw, '$');
  const components = def.components ?? [];
  if (parts.length !== components.length) {
    throw new FhirError('invalidInput', `composite parameter ${def.code} needs ${components.length} parts`);
  }
  const values = components.map((component, i) => {
    const componentDef = getSearchParam(ctx.resourceType, component.code);
    if (!componentDef) throw new FhirError('internal', 'composite component is not defined');
    return parseComponentValue(componentDef, parts[i] as string, { ...ctx, modifier: undefined });
  });
  return { type: 'composite', components: values };
}
