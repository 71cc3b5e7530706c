import {
  convertToSearchableReferences,
  convertToSearchableTokens,
  evalFhirPathTyped,
  getSearchParameter,
  matchesSearchRequest,
  parseSearchRequest,
  toTypedValue,
} from '@medplum/core';
import type { TypedValue } from '@medplum/core';
import type { Resource } from 'fhir/r4';
import {
  compareIntervals,
  matchesQuantity,
  matchesString,
  splitPrefix,
  splitUnescaped,
  toDateInterval,
  toDateIntervals,
  toStringParts,
  toTokenTexts,
} from './oracle-values.ts';

/** One `name=value` pair of a query string, decoded. */
export type QueryParam = [name: string, value: string];

/**
 * An independent FHIR search matcher (http://hl7.org/fhir/R4/search.html): does `resource`
 * match every parameter (AND) of a query? Values always come from @medplum/core's FHIRPath
 * engine over the official R4 SearchParameter expressions. Matching is @medplum/core's
 * `matchesSearchRequest` for token (plain and `:not`), reference `Type/id`, `_id` and
 * `:missing`; for the rest the oracle follows the spec text itself (oracle-values.ts), because
 * @medplum/core 4.x does not:
 * - string: it matches "contains", lower-case only, ignores `:exact` (spec: starts-with, case
 *   and accent insensitive; `:exact` exact);
 * - date: its `eq` means overlap (spec: the search range contains the target), `le`/`ge` take
 *   a target straddling the far end, a comma list takes the first value's prefix for all, and
 *   month ends are filled with day 31 (so `2020-02` ends on 2 March);
 * - quantity and composite: not matched at all (always false);
 * - reference by bare id or with a `:[type]` modifier: compared as the literal string;
 * - token `:text`: treated as a plain code.
 */
export function oracleMatches(resource: Resource, params: QueryParam[], now: Date): boolean {
  return params.every((param) => matchesParam(resource, param, now.getTime()));
}

function matchesParam(resource: Resource, [name, value]: QueryParam, now: number): boolean {
  const [code = '', modifier] = name.split(':');
  const def = getSearchParameter(resource.resourceType, code);
  if (!def?.expression) throw new Error(`oracle: no parameter ${resource.resourceType}.${code}`);
  if (modifier === 'missing' || isDelegated(def.type, modifier, value)) {
    return matchesSearchRequest(
      resource,
      parseSearchRequest(resource.resourceType, { [name]: value }),
    );
  }

  const items = evalFhirPathTyped(def.expression, [toTypedValue(resource)]);
  const alternatives = splitUnescaped(value, ',');
  const test = (q: string): boolean => {
    switch (def.type) {
      case 'string':
        return toStringParts(items).some((part) => matchesString(part, q, modifier));
      case 'token':
        return toTokenTexts(items).some((text) => matchesString(text, q, undefined));
      case 'reference':
        return matchesReference(items, q, modifier);
      case 'date':
        return matchesDate(items, q, now);
      case 'quantity':
        return items.some((item) => matchesQuantity(item.value, q));
      case 'composite':
        return matchesComposite(resource, def, items, q);
      default:
        throw new Error(`oracle: type ${def.type} not covered`);
    }
  };
  return alternatives.some(test);
}

function isDelegated(type: string | undefined, modifier: string | undefined, value: string) {
  if (type === 'token') return modifier === undefined || modifier === 'not';
  if (type === 'reference')
    return modifier === undefined && value.split(',').every((v) => v.includes('/'));
  return false;
}

/** #reference: `Type/id`; a bare id matches a relative reference to that id of any type. */
function matchesReference(items: TypedValue[], q: string, typeModifier: string | undefined) {
  const wanted = typeModifier ? `${typeModifier}/${q}` : q;
  return convertToSearchableReferences(items).some((ref) =>
    wanted.includes('/') ? ref === wanted : /^[A-Za-z]+\/[^/]+$/.test(ref) && ref.endsWith(`/${q}`),
  );
}

function matchesDate(items: TypedValue[], q: string, now: number): boolean {
  const [prefix, text] = splitPrefix(q);
  const query = toDateInterval(text);
  if (!query) throw new Error('oracle: not a date');
  return toDateIntervals(items).some((target) => compareIntervals(prefix, target, query, now));
}

/**
 * #composite: `a$b`, each part matched against its component within one context element
 * (the resource for `code-value-quantity`, each `component` for `component-code-value-quantity`).
 */
function matchesComposite(
  resource: Resource,
  def: NonNullable<ReturnType<typeof getSearchParameter>>,
  contexts: TypedValue[],
  q: string,
): boolean {
  // No escaped `$` in generated queries: split plainly so the parts keep their own escapes.
  const parts = q.split('$');
  const components: Array<{ definition?: string; expression?: string }> = def.component ?? [];
  if (parts.length !== components.length) throw new Error('oracle: composite arity');
  return contexts.some((context) =>
    components.every((component, i) => {
      const values = evalFhirPathTyped(component.expression!, [context]);
      const type = getSearchParameter(
        resource.resourceType,
        componentCode(component.definition!),
      )?.type;
      if (type === 'quantity') return values.some((v) => matchesQuantity(v.value, parts[i]!));
      if (type === 'token') return matchesToken(values, parts[i]!);
      throw new Error(`oracle: composite component type ${type} not covered`);
    }),
  );
}

/** `http://hl7.org/fhir/SearchParameter/clinical-code` → `code`; `Observation-value-quantity` → `value-quantity`. */
function componentCode(url: string): string {
  const last = url.slice(url.lastIndexOf('/') + 1);
  return last.slice(last.indexOf('-') + 1);
}

/** Marks the display texts that @medplum/core lists among the tokens, to leave them out. */
const displayMark = 'urn:oracle:display-text';

/** #token without modifier: `code`, `system|code`, `|code`, `system|`; codes case-sensitive. */
function matchesToken(items: TypedValue[], q: string): boolean {
  const [first = '', second] = splitUnescaped(q, '|');
  const tokens = convertToSearchableTokens(items, { textSearchSystem: displayMark });
  return tokens.some((token) => {
    if (token.system === displayMark) return false;
    if (second === undefined) return token.value === first;
    const isSystemOk = first === '' ? !token.system : token.system === first;
    return isSystemOk && (second === '' || token.value === second);
  });
}
