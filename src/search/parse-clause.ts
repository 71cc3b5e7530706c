import { FhirError } from '../fhir/fhir-error.ts';
import { getSearchParam, servedResourceTypes } from './definitions.ts';
import type { SearchParamDef } from './definitions.ts';
import { splitEscaped } from './parse-escape.ts';
import { parseModifier } from './parse-modifiers.ts';
import { parseParamValue } from './parse-param-value.ts';
import type { Clause } from './parse-types.ts';

/** Thrown for a parameter name this server does not know; strict mode turns it into a 400. */
export class UnknownParameter extends Error {
  constructor() {
    super('unknown search parameter');
  }
}

export interface ClauseContext {
  baseUrl?: string;
}

/**
 * Parses one `name=value` pair of a type's search into a clause: a plain parameter, a chain
 * (`subject:Patient.name`, `subject.name`) or a reverse chain (`_has:Observation:patient:code`).
 * http://hl7.org/fhir/R4/search.html#chaining
 */
export function parseClause(
  resourceType: string,
  name: string,
  value: string,
  ctx: ClauseContext,
): Clause {
  if (name.startsWith('_has:')) return parseHas(resourceType, name.slice('_has:'.length), value, ctx);
  const dot = name.indexOf('.');
  if (dot >= 0) return parseChain(resourceType, name.slice(0, dot), name.slice(dot + 1), value, ctx);
  return parseParam(resourceType, name, value, ctx);
}

function parseParam(resourceType: string, name: string, value: string, ctx: ClauseContext): Clause {
  const [code, modifierText, ...extra] = name.split(':');
  const def = getSearchParam(resourceType, code ?? '');
  if (!def || extra.length > 0) throw new UnknownParameter();
  if (def.type === 'special') {
    throw new FhirError('unsupported', `parameter ${def.code} is not supported`);
  }

  const { modifier, targetType } = parseModifier(def, modifierText);
  const valueCtx = { resourceType, modifier, targetType, baseUrl: ctx.baseUrl };
  const values = splitEscaped(value, ',').map((part) => parseParamValue(def, part, valueCtx));
  return { kind: 'param', def, modifier, targetType, values };
}

function parseChain(
  resourceType: string,
  head: string,
  rest: string,
  value: string,
  ctx: ClauseContext,
): Clause {
  const [code, typeText, ...extra] = head.split(':');
  const def = getSearchParam(resourceType, code ?? '');
  if (!def || extra.length > 0) throw new UnknownParameter();
  if (def.type !== 'reference') {
    throw new FhirError('invalidInput', `parameter ${def.code} is not a reference and cannot be chained`);
  }

  const targetType = typeText ?? soleServedTarget(def, rest);
  if (!def.target?.includes(targetType)) {
    throw new FhirError('invalidInput', `parameter ${def.code} cannot refer to type ${targetType}`);
  }
  if (!isServed(targetType)) throw new UnknownParameter();
  return { kind: 'chain', def, targetType, next: parseClause(targetType, rest, value, ctx) };
}

/**
 * Without `:Type`, the chain is unambiguous only when exactly one served target type defines
 * the next parameter; otherwise the client must name the type.
 */
function soleServedTarget(def: SearchParamDef, rest: string): string {
  const nextCode = rest.split(/[.:]/)[0] ?? '';
  const candidates = (def.target ?? []).filter(
    (type) => isServed(type) && (nextCode === '_has' || getSearchParam(type, nextCode)),
  );
  if (candidates.length === 0) throw new UnknownParameter();
  if (candidates.length > 1) {
    throw new FhirError('invalidInput', `chained parameter ${def.code} needs a :Type modifier`);
  }
  return candidates[0] as string;
}

function parseHas(resourceType: string, rest: string, value: string, ctx: ClauseContext): Clause {
  const [sourceType, code, ...tail] = rest.split(':');
  if (!sourceType || !code || tail.length === 0 || !isServed(sourceType)) {
    throw new UnknownParameter();
  }
  const referenceParam = getSearchParam(sourceType, code);
  if (!referenceParam || referenceParam.type !== 'reference') throw new UnknownParameter();
  if (!referenceParam.target?.includes(resourceType)) {
    throw new FhirError('invalidInput', `_has: ${sourceType}.${code} cannot refer to ${resourceType}`);
  }
  const next = parseClause(sourceType, tail.join(':'), value, ctx);
  return { kind: 'has', sourceType, referenceParam, next };
}

function isServed(type: string): boolean {
  return servedResourceTypes.some((served) => served === type);
}
