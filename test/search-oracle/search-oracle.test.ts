import { appendFileSync } from 'node:fs';
import type { Bundle, Resource } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, fhirJson } from '../helpers/app.ts';
import type { TestApp } from '../helpers/app.ts';
import { loadRecords, mapLimited, readSyntheaRecords } from '../helpers/search-data.ts';
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

/**
 * Data size. On FerretDB (the engine here) every search scans the whole collection a few times
 * (about 1.3 s per 1,000 resources per scan on this machine), so the default keeps the run to
 * minutes: 30 generated patients with 120 Observations, plus Synthea patients up to 100
 * Observations. ORACLE_SYNTHEA_OBSERVATIONS=1800 gives the few-thousand run (loads in about 30 s,
 * but then takes hours of searching on FerretDB; minutes on MongoDB).
 */
const syntheaObservations = Number(process.env.ORACLE_SYNTHEA_OBSERVATIONS ?? 100);
const edgePatients = 30;
/** ORACLE_REPORT=<file>: append each query's outcome there as it is checked (diagnosis). */
const reportFile = process.env.ORACLE_REPORT;

describe('search, compared with an independent matcher', () => {
  let testApp: TestApp;
  let data: LoadedData;

  beforeAll(async () => {
    loadOracleDefinitions();
    testApp = await buildTestApp({ SEARCH_MAX_COUNT: '1000' });
    const records = [
      ...generateEdgeRecords(edgePatients),
      ...readSyntheaRecords({ maxObservations: syntheaObservations, maxPerPatient: 40 }),
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
    const unexplained: string[] = [];
    const used = new Map<string, number>();
    let nonEmpty = 0;

    // Two searches in flight: the engine and Ward share the machine's two cores.
    await mapLimited(queries, 2, async (query) => {
      const found = checkQuery(query, await searchIds(testApp, query), data, now);
      if (found.hasMatches) nonEmpty++;
      for (const category of found.allowed) used.set(category, (used.get(category) ?? 0) + 1);
      unexplained.push(...found.unexplained);
      if (reportFile)
        appendFileSync(reportFile, [describeQuery(query), ...found.unexplained, ''].join('\n'));
    });

    console.info(
      `search oracle: ${queries.length} queries, ${nonEmpty} with matches`,
      Object.fromEntries(used),
    );
    expect(queries.length).toBeGreaterThanOrEqual(300);
    expect(nonEmpty).toBeGreaterThan(queries.length / 2);
    expect(unexplained.slice(0, 40)).toEqual([]);
  }, 1_800_000);
});

function checkQuery(
  query: GeneratedQuery,
  ward: Set<string> | string,
  data: LoadedData,
  now: Date,
) {
  const result = { hasMatches: false, allowed: [] as string[], unexplained: [] as string[] };
  if (typeof ward === 'string') {
    result.unexplained.push(`${describeQuery(query)} | refused: ${ward}`);
    return result;
  }
  const all: Resource[] = query.resourceType === 'Patient' ? data.patients : data.observations;
  const expected = all.filter((r) => oracleMatches(r, query.params, now));
  result.hasMatches = expected.length > 0;
  for (const difference of compare(query, ward, expected, all)) {
    const allowed = allowedDifferences.find((entry) => entry.explains(difference));
    if (allowed) result.allowed.push(allowed.category);
    else result.unexplained.push(describeDifference(difference));
  }
  return result;
}

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
  // A fresh token per query: the whole run outlasts one token's lifetime.
  const token = await testApp.token({ scopes: ['system/*.cruds'] });
  for (let page = 0; url; page++) {
    if (page > 50) return 'more than 50 pages: the next links do not end';
    const res = await testApp.app.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${token}` },
    });
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
