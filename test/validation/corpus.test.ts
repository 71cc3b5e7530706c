import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateResource } from '../../src/validation/validate-resource.ts';
import { sharedDataDir as dataDir } from '../helpers/shared-data.ts';


function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

function listSyntheaResources(types: readonly string[]): Record<string, unknown>[] {
  const dir = join(dataDir, 'synthea');
  const resources: Record<string, unknown>[] = [];
  for (const file of readdirSync(dir).filter((name) => name !== 'manifest.json')) {
    const bundle = readJson(join(dir, file)) as { entry: { resource: Record<string, unknown> }[] };
    for (const { resource } of bundle.entry) {
      if (types.includes(String(resource.resourceType))) resources.push(resource);
    }
  }
  return resources;
}

function findFailures(resources: Record<string, unknown>[]): string[] {
  const failures: string[] = [];
  for (const resource of resources) {
    try {
      validateResource(resource, String(resource.resourceType));
    } catch (error) {
      failures.push(`${String(resource.resourceType)}/${String(resource.id)}: ${String(error)}`);
    }
  }
  return failures;
}

describe('validateResource on the shared test data', () => {
  it('accepts every official R4 example (Patient, Observation, AuditEvent)', () => {
    const dir = join(dataDir, 'examples');
    const examples = readdirSync(dir).map((file) => readJson(join(dir, file)));

    expect(examples.length).toBe(95);
    expect(findFailures(examples)).toEqual([]);
  });

  it('accepts every Patient and Observation of the 60 Synthea bundles', () => {
    const resources = listSyntheaResources(['Patient', 'Observation']);

    expect(resources.filter((resource) => resource.resourceType === 'Patient').length).toBe(60);
    expect(resources.length).toBeGreaterThan(4000);
    expect(findFailures(resources)).toEqual([]);
  });

  it('accepts a whole Synthea transaction, compiling the other types it holds on first use', () => {
    const dir = join(dataDir, 'synthea');
    const file = readdirSync(dir).find((name) => name !== 'manifest.json');
    const bundle = readJson(join(dir, String(file)));

    expect(() => validateResource(bundle, 'Bundle')).not.toThrow();
  }, 60_000);
});
