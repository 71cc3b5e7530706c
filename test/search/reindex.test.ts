import { describe, expect, it } from 'vitest';
import { reindexAll } from '../../src/search/reindex.ts';
import { createResourceIndexer } from '../../src/search/resource-indexer.ts';
import { buildTestApp, fhirJson } from '../helpers/app.ts';

describe('reindexAll', () => {
  it('rebuilds a lost index so that search finds the resource again', async () => {
    const t = await buildTestApp();
    try {
      const created = await t.app.inject({
        method: 'POST', url: '/fhir/Patient', headers: fhirJson, payload: { resourceType: 'Patient', gender: 'female' },
      });
      const id = created.json().id;
      await t.db.collection('resources').updateOne({ _id: `Patient/${id}` as never }, { $set: { search: [] } });
      expect((await t.app.inject({ url: '/fhir/Patient?gender=female' })).json().total).toBe(0);

      const indexer = createResourceIndexer(t.keyRing.blindIndex);
      const result = await reindexAll(t.db, t.keyRing, indexer);

      expect(result).toEqual({ reindexed: 1, skipped: 0 });
      expect((await t.app.inject({ url: '/fhir/Patient?gender=female' })).json().total).toBe(1);
    } finally {
      await t.close();
    }
  });
});
