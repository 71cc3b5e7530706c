import { compileBooleanAccessor } from './accessors-boolean.ts';
import { compileFhirPathAccessor } from './accessors-fhirpath.ts';
import { compileAccessor, describeBase, type Accessor, type AccessorBase } from './accessors.ts';
import { getSearchParam, getSearchParams, type SearchParamDef } from './definitions.ts';
import type { CompositeContextPlan } from './extract-composite.ts';

/**
 * How to read each search parameter of a resource type, built once per type: a direct accessor
 * where the expression is a simple path, the FHIRPath engine otherwise.
 */

export const accessorEngines = ['compiled', 'fhirpath'] as const;
/** `compiled` prefers direct accessors; `fhirpath` evaluates every expression with the engine. */
export type AccessorEngine = (typeof accessorEngines)[number];

export interface ParamPlan {
  def: SearchParamDef;
  /** Values of the parameter; for a composite, its context elements. */
  read: Accessor;
  /** Which engine reads this parameter (reported by the benchmark). */
  engine: AccessorEngine;
  /** Composite parameters only: each context term with its components. */
  contexts?: CompositeContextPlan[];
}

export type ExtractionPlan = readonly ParamPlan[];

/** The extraction plan for one resource type. */
export function buildExtractionPlan(
  resourceType: string,
  engine: AccessorEngine = 'compiled',
): ExtractionPlan {
  const plan: ParamPlan[] = [];
  for (const def of getSearchParams(resourceType).values()) {
    if (!def.expression || def.type === 'special') continue;
    if (def.type === 'composite') {
      plan.push(planComposite(def, def.expression, resourceType, engine));
      continue;
    }
    plan.push({ def, ...makeAccessor(def.expression, resourceType, engine) });
  }
  return plan;
}

function planComposite(
  def: SearchParamDef,
  expression: string,
  resourceType: string,
  engine: AccessorEngine,
): ParamPlan {
  const contexts: CompositeContextPlan[] = [];
  let usesEngine = false;
  for (const term of expression.split('|').map((t) => t.trim())) {
    const context = makeAccessor(term, resourceType, engine);
    const base = describeBase(term, resourceType);
    const components = (def.components ?? []).map((component) => {
      const componentDef = getSearchParam(resourceType, component.code);
      if (!componentDef) throw new Error(`composite ${def.code} names an unknown component`);
      const accessor = makeAccessor(component.expression, resourceType, engine, base, term);
      usesEngine ||= accessor.engine === 'fhirpath';
      return { def: componentDef, read: accessor.read };
    });
    usesEngine ||= context.engine === 'fhirpath';
    contexts.push({ read: context.read, components });
  }
  const read: Accessor = () => [];
  return { def, read, engine: usesEngine ? 'fhirpath' : 'compiled', contexts };
}

function makeAccessor(
  expression: string,
  resourceType: string,
  engine: AccessorEngine,
  base?: AccessorBase,
  basePath?: string,
): { read: Accessor; engine: AccessorEngine } {
  const compiled =
    engine === 'compiled'
      ? (compileAccessor(expression, resourceType, base) ??
        (base ? undefined : compileBooleanAccessor(expression, resourceType)))
      : undefined;
  if (compiled) return { read: compiled, engine: 'compiled' };
  return { read: compileFhirPathAccessor(expression, basePath), engine: 'fhirpath' };
}
