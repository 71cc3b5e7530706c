import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, Resource } from 'fhir/r4';
import { buildTestApp, fhirJson } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';
import { examplesDir, syntheaDir } from '../helpers/shared-data.ts';

// Several bundles keep the suite within a minute on FerretDB; the validation suite covers all 60.
const bundleFiles = readdirSync(syntheaDir).filter((f) => f.endsWith('.json') && f !== 'manifest.json').slice(0, 4);

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

/** The resource without what the server owns: id (on create), meta.versionId, meta.lastUpdated. */
function withoutMeta(resource: Resource): Resource {
  const { meta, id, ...rest } = resource;
  const { versionId, lastUpdated, ...clientMeta } = meta ?? {};
  return (Object.keys(clientMeta).length ? { ...rest, meta: clientMeta } : rest) as Resource;
}

describe('Synthea round trip', () => {
  for (const file of bundleFiles) {
    it(`stores and reads back every Patient and Observation of ${file.split('_').slice(0, 2).join(' ')}`, async () => {
      const bundle = JSON.parse(readFileSync(join(syntheaDir, file), 'utf8')) as Bundle;
      const resources = (bundle.entry ?? [])
        .map((e) => e.resource!)
        .filter((r) => r.resourceType === 'Patient' || r.resourceType === 'Observation');
      expect(resources.length).toBeGreaterThan(1);

      for (const resource of resources) {
        const created = await t.app.inject({
          method: 'POST', url: `/fhir/${resource.resourceType}`, headers: fhirJson, payload: resource,
        });
        expect(created.statusCode, `${resource.resourceType} create`).toBe(201);
        const read = await t.app.inject({ url: `/fhir/${resource.resourceType}/${created.json().id}` });
        expect(read.statusCode).toBe(200);
        expect(withoutMeta(read.json())).toEqual(withoutMeta(resource));
      }
    });
  }

  it('keeps the ids of official examples through update-as-create', async () => {
    const files = readdirSync(examplesDir).filter((f) => /^(Patient|Observation)-/.test(f));
    for (const file of files) {
      const resource = JSON.parse(readFileSync(join(examplesDir, file), 'utf8')) as Resource;
      const res = await t.app.inject({
        method: 'PUT', url: `/fhir/${resource.resourceType}/${resource.id}`, headers: fhirJson, payload: resource,
      });
      expect(res.statusCode, file).toBe(201);
      const read = (await t.app.inject({ url: `/fhir/${resource.resourceType}/${resource.id}` })).json();
      expect(withoutMeta(read)).toEqual(withoutMeta(resource));
    }
  }, 120_000);
});
