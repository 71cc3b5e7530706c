import type { Accessor } from './accessors.ts';
import type { SearchParamDef } from './definitions.ts';
import type { EntryBody, ExtractContext } from './extract-context.ts';
import { toEntryBodies } from './extract-value.ts';
import type { BlindIndexFn, CompositeEntry } from './index-entry.ts';

/**
 * composite parameters (http://hl7.org/fhir/R4/search.html#composite): the components must match
 * in the same context element, e.g. one Observation.component's code with that component's value
 * (blood pressure systolic and diastolic stay apart). One entry per context element and per
 * combination of its component values, components in definition order.
 */

/** Combinations kept per context element; a context with more values than this is cut short. */
export const maxCompositeCombinations = 64;

/** One union term of a composite's context expression with its compiled components. */
export interface CompositeContextPlan {
  read: Accessor;
  components: Array<{ def: SearchParamDef; read: Accessor }>;
}

/** Composite entries for one resource. */
export function toCompositeEntries(
  resource: unknown,
  code: string,
  contexts: readonly CompositeContextPlan[],
  blind: BlindIndexFn,
): CompositeEntry[] {
  const out: CompositeEntry[] = [];
  for (const context of contexts) {
    for (const element of context.read(resource)) {
      for (const c of combine(componentValues(element.value, context, blind))) {
        out.push({ p: code, t: 'composite', c });
      }
    }
  }
  return out;
}

function componentValues(
  element: unknown,
  context: CompositeContextPlan,
  blind: BlindIndexFn,
): EntryBody[][] {
  // Read every component before converting any: most contexts lack one (a quantity composite
  // on a coded observation), and then nothing needs converting.
  const reads = context.components.map(({ read }) => read(element));
  if (reads.some((values) => values.length === 0)) return [];

  return context.components.map(({ def }, i) => {
    const ctx: ExtractContext = { code: def.code, isProtected: def.isProtected, blind };
    return (reads[i] ?? []).flatMap((item) => toEntryBodies(def.type, item, ctx));
  });
}

/** Cartesian product of the component values, bounded; empty when any component is missing. */
function combine(values: EntryBody[][]): EntryBody[][] {
  if (values.length === 0) return [];
  let combos: EntryBody[][] = [[]];
  for (const options of values) {
    if (options.length === 0) return [];
    const next: EntryBody[][] = [];
    for (const combo of combos) {
      for (const option of options) {
        if (next.length >= maxCompositeCombinations) break;
        next.push([...combo, option]);
      }
    }
    combos = next;
  }
  return combos;
}
