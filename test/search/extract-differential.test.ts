import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Resource } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { buildExtractionPlan, type ExtractionPlan } from '../../src/search/extract-plan.ts';
import { extractIndexWithPlan } from '../../src/search/extract.ts';
import type { BlindIndexFn } from '../../src/search/index-entry.ts';
import { sharedDataDir as dataDir } from '../helpers/shared-data.ts';

/**
 * Differential test: the compiled accessors must select exactly what the FHIRPath engine selects,
 * for every search parameter, over every Synthea Patient and Observation and every official
 * example (Patient, Observation, AuditEvent) in the shared test data.
 */

const blind: BlindIndexFn = (purpose, value) => `${purpose}|${value}`;

function loadResources(): Resource[] {
  const out: Resource[] = [];
  const synthea = join(dataDir, 'synthea');
  for (const file of readdirSync(synthea)) {
    if (!file.endsWith('.json') || file === 'manifest.json') continue;
    const bundle = JSON.parse(readFileSync(join(synthea, file), 'utf8')) as Bundle;
    for (const entry of bundle.entry ?? []) {
      const type = entry.resource?.resourceType;
      if (entry.resource && (type === 'Patient' || type === 'Observation'))
        out.push(entry.resource);
    }
  }
  const examples = join(dataDir, 'examples');
  for (const file of readdirSync(examples)) {
    out.push(JSON.parse(readFileSync(join(examples, file), 'utf8')) as Resource);
  }
  return out;
}

const canonical = (values: unknown[]): string[] => values.map((v) => JSON.stringify(v)).sort();

describe('compiled accessors against the FHIRPath engine', () => {
  const resources = loadResources();
  const types = ['Patient', 'Observation', 'AuditEvent'];
  const compiled = new Map<string, ExtractionPlan>(types.map((t) => [t, buildExtractionPlan(t)]));
  const engine = new Map<string, ExtractionPlan>(
    types.map((t) => [t, buildExtractionPlan(t, 'fhirpath')]),
  );

  it('covers the whole data set', () => {
    const count = (type: string) => resources.filter((r) => r.resourceType === type).length;
    expect(count('Patient')).toBeGreaterThanOrEqual(80);
    expect(count('Observation')).toBeGreaterThanOrEqual(4900);
    expect(count('AuditEvent')).toBeGreaterThanOrEqual(9);
  });

  it('compiles every parameter of the three types to direct accessors', () => {
    for (const type of types) {
      const leftovers = (compiled.get(type) ?? []).filter((p) => p.engine !== 'compiled');
      expect(
        leftovers.map((p) => p.def.code),
        type,
      ).toEqual([]);
    }
  });

  it('selects the same values, with the same types, for every parameter', () => {
    const mismatches: string[] = [];
    for (const resource of resources) {
      const fast = compiled.get(resource.resourceType) ?? [];
      const slow = engine.get(resource.resourceType) ?? [];
      fast.forEach((param, i) => {
        const reference = slow[i];
        if (param.contexts || !reference) return;
        const a = canonical(param.read(resource));
        const b = canonical(reference.read(resource));
        if (JSON.stringify(a) !== JSON.stringify(b)) {
          mismatches.push(`${resource.resourceType}/${resource.id} ${param.def.code}`);
        }
      });
    }
    expect(mismatches).toEqual([]);
  });

  it('produces the same index entries, composites included', () => {
    const mismatches: string[] = [];
    for (const resource of resources) {
      const type = resource.resourceType;
      const a = canonical(extractIndexWithPlan(resource, blind, compiled.get(type) ?? []));
      const b = canonical(extractIndexWithPlan(resource, blind, engine.get(type) ?? []));
      expect(a.length).toBeGreaterThan(0);
      if (JSON.stringify(a) !== JSON.stringify(b)) mismatches.push(`${type}/${resource.id}`);
    }
    expect(mismatches).toEqual([]);
  });
});
