import type { Resource } from 'fhir/r4';
import type { ExtractContext } from './extract-context.ts';
import { toCompositeEntries } from './extract-composite.ts';
import { buildExtractionPlan, type ExtractionPlan } from './extract-plan.ts';
import { toEntryBodies } from './extract-value.ts';
import type { BlindIndexFn, IndexEntry } from './index-entry.ts';

const plans = new Map<string, ExtractionPlan>();

/**
 * The search index of a resource: one entry per value of every search parameter of its type
 * (definitions.ts), normalized per parameter type and blinded where the parameter is protected.
 * Runs at write time, on the version about to be stored; `meta.lastUpdated` should already be set.
 */
export function extractIndex(resource: Resource, blind: BlindIndexFn): IndexEntry[] {
  let plan = plans.get(resource.resourceType);
  if (!plan) {
    plan = buildExtractionPlan(resource.resourceType);
    plans.set(resource.resourceType, plan);
  }
  return extractIndexWithPlan(resource, blind, plan);
}

/** `extractIndex` with an explicit plan (benchmarks and the compiled-vs-engine tests). */
export function extractIndexWithPlan(
  resource: Resource,
  blind: BlindIndexFn,
  plan: ExtractionPlan,
): IndexEntry[] {
  const out: IndexEntry[] = [];
  for (const { def, read, contexts } of plan) {
    if (contexts) {
      out.push(...toCompositeEntries(resource, def.code, contexts, blind));
      continue;
    }
    const p = def.code;
    const ctx: ExtractContext = { code: p, isProtected: def.isProtected, blind };
    for (const item of read(resource)) {
      // Bodies are fresh objects: tagging them in place avoids a copy per entry.
      for (const body of toEntryBodies(def.type, item, ctx)) out.push(Object.assign(body, { p }));
    }
  }
  return out;
}
