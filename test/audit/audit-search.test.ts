import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { supportsElemMatch } from '../../src/search/compile-unwind.ts';
import { parseSearchRequest } from '../../src/search/parse.ts';
import { SearchService } from '../../src/search/search-service.ts';
import { ResourceStore } from '../../src/store/resource-store.ts';
import { buildRestAuditEvent } from '../../src/audit/rest-audit-event.ts';
import { openAuditFixture, sampleReadEvent, server, type AuditFixture } from './audit-fixtures.ts';
import { randomBytes } from 'node:crypto';

let database: TestDatabase;
let fixture: AuditFixture;
let search: SearchService;
let store: ResourceStore;

beforeEach(async () => {
  database = await openTestDatabase();
  fixture = await openAuditFixture(database.db);
  store = new ResourceStore(database.db, fixture.keyRing, fixture.indexer);
  search = new SearchService(database.db, store, {
    hasElemMatch: await supportsElemMatch(database.db),
    pageKey: randomBytes(32),
    blind: fixture.keyRing.blindIndex,
  });
});
afterEach(() => database.close());

async function find(query: string): Promise<string[]> {
  const parsed = parseSearchRequest('AuditEvent', [...new URLSearchParams(query)], {
    strict: true,
  });
  const { matches } = await search.search(parsed);
  return matches.map((m) => m.id).sort();
}

describe('stored AuditEvents through the search engine', () => {
  it('finds every disclosure of a patient, including each patient of a multi-patient search', async () => {
    const writer = fixture.newWriter();
    const readP1 = await writer.record(sampleReadEvent(1, 'p1'));
    const readP2 = await writer.record(sampleReadEvent(2, 'p2'));
    const searchBoth = await writer.record(
      buildRestAuditEvent({
        interaction: 'search',
        outcome: { status: 200 },
        recorded: new Date('2025-03-04T11:00:00Z'),
        network: { address: '198.51.100.4' },
        resource: { type: 'Observation' },
        patients: ['Patient/p1', 'Patient/p2'],
        query: 'code=1234',
        requestId: 'req-s',
        server,
      }),
    );
    await writer.close();

    expect(await find('patient=Patient/p1')).toEqual([readP1, searchBoth].sort());
    expect(await find('patient=p2')).toEqual([readP2, searchBoth].sort());
    expect(await find('subtype=search-type')).toEqual([searchBoth]);
    expect(await find('action=R')).toEqual([readP1, readP2].sort());
    expect(await find('agent=Practitioner/pr1')).toEqual([readP1, readP2].sort());
    expect(await find('entity=Observation/obs-1/_history/1')).toEqual([readP1]);
    expect(await find('address=198.51.100.4')).toEqual([searchBoth]);
    expect(await find('date=ge2025-03-04T10:30:00Z')).toEqual([searchBoth]);

    const history = await store.readHistory({
      types: ['AuditEvent'],
      compartment: 'Patient/p2',
      count: 10,
    });
    expect(history.versions.map((v) => v.id).sort()).toEqual([readP2, searchBoth].sort());
  });
});
