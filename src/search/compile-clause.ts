import { FhirError } from '../fhir/fhir-error.ts';
import { getSearchParam } from './definitions.ts';
import type { SearchParamDef } from './definitions.ts';
import { matchDate, matchInstantField } from './compile-date.ts';
import { allOf, anyOf, prefixFields } from './compile-match.ts';
import { matchNumber, matchQuantity } from './compile-number.ts';
import { matchReference, matchUri } from './compile-reference.ts';
import { matchString } from './compile-string.ts';
import { matchToken, matchTokenText } from './compile-token.ts';
import type { CompileContext, Condition, EntryMatch } from './compile-types.ts';
import type { Clause, Modifier, ParamClause, ParamValue } from './parse-types.ts';

/**
 * Compiles one clause (its values OR-ed) into a Condition. Chains and `_has` need their inner
 * search run first; their results arrive in `chainResults`.
 */
export function compileClause(
  resourceType: string,
  clause: Clause,
  ctx: CompileContext,
  chainResults: ReadonlyMap<object, readonly string[]> | undefined,
): Condition {
  if (clause.kind !== 'param') {
    const refs = chainResults?.get(clause);
    if (refs === undefined) {
      throw new FhirError('unsupported', 'chained search parameters were not resolved');
    }
    if (clause.kind === 'has') return { kind: 'document', filter: { _id: { $in: [...refs] } } };
    return { kind: 'entry', p: clause.def.code, match: { ref: { $in: [...refs] } }, isNegated: false };
  }
  if (clause.def.code === '_id') return compileId(clause);
  if (clause.def.code === '_lastUpdated') return compileLastUpdated(clause, ctx);

  const p = clause.def.code;
  if (clause.modifier === 'missing') return compileMissing(clause);
  const match = anyOf(
    clause.values.map((v) => matchValue(resourceType, clause.def, v, clause.modifier, ctx)),
  );
  // `:not` excludes every resource holding a matching value, including those that hold others.
  // http://hl7.org/fhir/R4/search.html#modifiers
  return { kind: 'entry', p, match, isNegated: clause.modifier === 'not' };
}

/** `:missing=true`: no entry for the parameter; `false`: at least one. Both: no constraint. */
function compileMissing(clause: ParamClause): Condition {
  const wanted = new Set(clause.values.map((v) => v.type === 'missing' && v.isMissing));
  if (wanted.size > 1) return { kind: 'document', filter: {} };
  return { kind: 'entry', p: clause.def.code, match: {}, isNegated: wanted.has(true) };
}

/** `_id` compares the document's own `id` field. */
function compileId(clause: ParamClause): Condition {
  if (clause.modifier === 'missing') {
    const isMissing = clause.values.some((v) => v.type === 'missing' && v.isMissing);
    return { kind: 'document', filter: { id: { $exists: !isMissing } } };
  }
  const ids = clause.values.map((v) => (v.type === 'token' ? (v.code ?? '') : ''));
  const operator = clause.modifier === 'not' ? '$nin' : '$in';
  return { kind: 'document', filter: { id: { [operator]: ids } } };
}

/** `_lastUpdated` compares the document's own `lastUpdated` instant, written by the store. */
function compileLastUpdated(clause: ParamClause, ctx: CompileContext): Condition {
  if (clause.modifier === 'missing') {
    const isMissing = clause.values.some((v) => v.type === 'missing' && v.isMissing);
    return { kind: 'document', filter: { lastUpdated: { $exists: !isMissing } } };
  }
  const matches = clause.values.map((v) => {
    if (v.type !== 'date') throw new FhirError('internal', 'unexpected _lastUpdated value');
    return matchInstantField('lastUpdated', v, ctx.now);
  });
  return { kind: 'document', filter: anyOf(matches) };
}

function matchValue(
  resourceType: string,
  def: SearchParamDef,
  value: ParamValue,
  modifier: Modifier | undefined,
  ctx: CompileContext,
): EntryMatch {
  switch (value.type) {
    case 'string':
      return matchString(def, value, modifier, ctx);
    case 'token':
      return matchToken(def, value, ctx);
    case 'token-text':
      return matchTokenText(def, value);
    case 'reference':
      return matchReference(def, value, ctx);
    case 'date':
      return matchDate(def, value, ctx);
    case 'number':
      return matchNumber(value);
    case 'quantity':
      return matchQuantity(value);
    case 'uri':
      return matchUri(value, modifier);
    case 'composite':
      return allOf(
        value.components.map((component, i) => {
          const code = def.components?.[i]?.code ?? '';
          const componentDef = getSearchParam(resourceType, code);
          if (!componentDef) throw new FhirError('internal', 'composite component is not defined');
          const match = matchValue(resourceType, componentDef, component, undefined, ctx);
          return prefixFields(match, `c.${i}.`);
        }),
      );
    case 'missing':
      throw new FhirError('internal', 'a :missing value outside a :missing clause');
  }
}
