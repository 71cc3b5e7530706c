import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4/index.js';
import { normalizeTypeName } from './accessors-model.ts';
import { FhirError } from '../fhir/fhir-error.ts';
import type { Accessor, TypedValue } from './accessors.ts';
import { splitTopLevel } from './fhirpath-split.ts';

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
  // Each union term separately: FHIRPath's `|` de-duplicates, and its equality check throws on
  // a Quantity with a comparator. Duplicates only repeat an index entry; the direct accessors
  // keep them too, so both engines agree.
  const terms = splitTopLevel(rewriteForIndexing(expression), '|').map((term) =>
    fhirpath.compile(base ? { base, expression: term } : term, r4Model, {
      resolveInternalTypes: false,
    }),
  );

  return (input) => {
    const out: TypedValue[] = [];
    for (const evaluate of terms) {
      const nodes = evaluateQuietly(evaluate, input);
      if (nodes.length === 0) continue;
      const types = fhirpath.types(nodes);
      const values = fhirpath.resolveInternalTypes(nodes) as unknown[];
      values.forEach((value, i) => out.push({ type: normalizeTypeName(types[i] ?? ''), value }));
    }
    return out;
  };
}

/** Engine errors can quote resource content ("Expected singleton ... got [...]"): drop them. */
function evaluateQuietly(
  evaluate: (input: unknown, env: object) => unknown,
  input: unknown,
): unknown[] {
  try {
    return evaluate(input, {}) as unknown[];
  } catch {
    throw new FhirError('internal', 'a search parameter expression could not be evaluated');
  }
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
