import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4/index.js';
import { normalizeTypeName } from './accessors-model.ts';
import type { Accessor } from './accessors.ts';

/**
 * Accessors evaluated by the FHIRPath engine, for the expressions the direct compiler does not
 * handle (e.g. `Patient.deceased.exists() and Patient.deceased != false`), and as the reference
 * that the compiled accessors are tested against.
 */

/**
 * Compiles `expression` once with the R4 model. `base` names the element path a relative
 * expression starts from (e.g. `Observation.component` for a composite's components).
 */
export function compileFhirPathAccessor(expression: string, base?: string): Accessor {
  const rewritten = rewriteForIndexing(expression);
  const path = base ? { base, expression: rewritten } : rewritten;
  const evaluate = fhirpath.compile(path, r4Model, { resolveInternalTypes: false });

  return (input) => {
    const nodes = evaluate(input, {}) as unknown[];
    if (nodes.length === 0) return [];
    const types = fhirpath.types(nodes);
    const values = fhirpath.resolveInternalTypes(nodes) as unknown[];
    return values.map((value, i) => ({ type: normalizeTypeName(types[i] ?? ''), value }));
  };
}

/**
 * Two rewrites make the R4 expressions evaluable at write time, as search indexing intends:
 * - `resolve() is T` would fetch the target; indexing only needs the type named by the
 *   reference itself (http://hl7.org/fhir/R4/searchparameter.html, "resolve()" in search).
 * - `x as T` is an error on a collection of more than one item in FHIRPath
 *   (http://hl7.org/fhirpath/N1/#as-type-specifier), but search expressions such as
 *   `(Observation.component.value as Quantity)` mean "the items of that type": `ofType(T)`.
 *   Also `as(DateTime)` finds nothing in fhirpath.js while `ofType(DateTime)` finds dateTimes.
 */
export function rewriteForIndexing(expression: string): string {
  return expression
    .replace(
      /\.where\(\s*resolve\(\)\s+is\s+([A-Za-z]+)\s*\)/g,
      (_, type: string) =>
        `.where(reference.matches('(^|/)${type}/[A-Za-z0-9.-]{1,64}(/_history/[A-Za-z0-9.-]{1,64})?$'))`,
    )
    .replace(/\(([^()]+?)\s+as\s+([A-Za-z]+)\)/g, '$1.ofType($2)')
    .replace(/\.as\(\s*([A-Za-z]+)\s*\)/g, '.ofType($1)');
}
