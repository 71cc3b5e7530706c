import type { Bundle, Resource } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, fhirJson } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';
import { loadRecords, readSyntheaRecords } from '../helpers/search-data.ts';
import type { LoadedData } from '../helpers/search-data.ts';
import { allowedDifferences } from './allow-list.ts';
import type { Difference } from './allow-list.ts';
import { generateEdgeRecords } from './edge-cases.ts';
import { oracleMatches } from './oracle.ts';
import { loadOracleDefinitions } from './oracle-definitions.ts';
import { generateQueries } from './queries.ts';
import type { GeneratedQuery } from './queries.ts';

/**
 * Differential test of search: Ward's result set for each generated query against an
 * independent matcher (oracle.ts) over the same stored resources. Every difference must fall in
 * an allowed category (allow-list.ts) or the test fails, naming query, resource and side.
 */

/** Synthea Observations loaded; with the edge cases about 2,400 resources in all. */
const syntheaObservations = 1800;

describe('search, compared with an independent matcher', () => {
  let testApp: TestApp;
  let data: LoadedData;

  beforeAll(async () => {
    loadOracleDefinitions();
    testApp = await buildTestApp({ SEARCH_MAX_COUNT: '1000' });
    const records = [
      ...generateEdgeRecords(60),
      ...readSyntheaRecords({ maxObservations: syntheaObservations, maxPerPatient: 60 }),
    ];
    const startedMs = Date.now();
    data = await loadRecords(records, (resource) => create(testApp, resource));
    const count = data.patients.length + data.observations.length;
    console.info(`search oracle: loaded ${count} resources in ${Date.now() - startedMs} ms`);
  }, 600_000);

  afterAll(async () => {
    await testApp?.close();
  });

  it('returns exactly the resources the oracle matches, or a difference the spec explains', async () => {
    const queries = generateQueries(data);
    const now = new Date();
    const byType = { Patient: data.patients, Observation: data.observations };
    const unexplained: string[] = [];
    const used = new Map<string, number>();
    let nonEmpty = 0;

    for (const query of queries) {
      const wardIds = await searchIds(testApp, query);
      if (typeof wardIds === 'string') {
        unexplained.push(`${describeQuery(query)} | refused: ${wardIds}`);
        continue;
      }
      const expected = byType[query.resourceType].filter((r) =>
        oracleMatches(r, query.params, now),
      );
      if (expected.length > 0) nonEmpty++;
      for (const difference of compare(query, wardIds, expected, byType[query.resourceType])) {
        const allowed = allowedDifferences.find((entry) => entry.explains(difference));
        if (allowed) used.set(allowed.category, (used.get(allowed.category) ?? 0) + 1);
        else unexplained.push(describeDifference(difference));
      }
    }

    console.info(
      `search oracle: ${queries.length} queries, ${nonEmpty} with matches`,
      Object.fromEntries(used),
    );
    expect(queries.length).toBeGreaterThanOrEqual(300);
    expect(nonEmpty).toBeGreaterThan(queries.length / 2);
    expect(unexplained.slice(0, 40)).toEqual([]);
  }, 900_000);
});

async function create(testApp: TestApp, resource: Resource): Promise<Resource> {
  const res = await testApp.app.inject({
    method: 'POST',
    url: `/fhir/${resource.resourceType}`,
    headers: fhirJson,
    payload: JSON.stringify(resource),
  });
  if (res.statusCode !== 201)
    throw new Error(`create ${resource.resourceType}: ${res.statusCode} ${res.body}`);
  return res.json() as Resource;
}

/** All ids Ward returns as matches, following `next` links; a refusal is an error string. */
async function searchIds(testApp: TestApp, query: GeneratedQuery): Promise<Set<string> | string> {
  const ids = new Set<string>();
  let url: string | undefined =
    `/fhir/${query.resourceType}?${new URLSearchParams([...query.params, ['_count', '1000']])}`;
  while (url) {
    const res = await testApp.app.inject({ method: 'GET', url });
    if (res.statusCode !== 200) return `HTTP ${res.statusCode} ${res.body.slice(0, 300)}`;
    const bundle = res.json() as Bundle;
    for (const entry of bundle.entry ?? []) {
      if (entry.search?.mode === 'match' && entry.resource?.id) ids.add(entry.resource.id);
    }
    const next = bundle.link?.find((link) => link.relation === 'next')?.url;
    url = next ? next.slice(next.indexOf('/fhir/')) : undefined;
  }
  return ids;
}

function compare(
  query: GeneratedQuery,
  ward: Set<string>,
  expected: Resource[],
  all: Resource[],
): Difference[] {
  const expectedIds = new Set(expected.map((r) => r.id!));
  const byId = new Map(all.map((r) => [r.id!, r]));
  const differences: Difference[] = [];
  for (const resource of expected) {
    if (!ward.has(resource.id!)) differences.push({ query, resource, onlyIn: 'oracle' });
  }
  for (const id of ward) {
    if (expectedIds.has(id)) continue;
    const resource = byId.get(id);
    if (!resource) throw new Error(`${describeQuery(query)} returned a resource not loaded`);
    differences.push({ query, resource, onlyIn: 'ward' });
  }
  return differences;
}

function describeQuery(query: GeneratedQuery): string {
  return `${query.resourceType}?${query.params.map(([k, v]) => `${k}=${v}`).join('&')}`;
}

/** Test data is synthetic (Synthea and generated), so the message may show the values compared. */
function describeDifference({ query, resource, onlyIn }: Difference): string {
  return `${describeQuery(query)} | only in ${onlyIn} | ${resource.resourceType}/${resource.id} ${JSON.stringify(pickSearched(resource, query)).slice(0, 300)}`;
}

function pickSearched(resource: Resource, query: GeneratedQuery): Record<string, unknown> {
  const record = resource as unknown as Record<string, unknown>;
  const fields = [
    'name',
    'birthDate',
    'gender',
    'active',
    'deceasedBoolean',
    'deceasedDateTime',
    'address',
    'identifier',
    'code',
    'status',
    'category',
    'effectiveDateTime',
    'effectivePeriod',
    'valueQuantity',
    'component',
    'subject',
    'meta',
  ];
  const keep = fields.filter((f) => f in record && query.params.length > 0);
  return Object.fromEntries(keep.map((f) => [f, record[f]]));
}
