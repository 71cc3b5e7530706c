import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Patient } from 'fhir/r4';
import { KeyRing } from '../../src/crypto/key-ring.ts';
import { bodyAad } from '../../src/store/documents.ts';
import { ResourceStore } from '../../src/store/resource-store.ts';
import { openTestDatabase } from '../helpers/database.ts';

let database: Awaited<ReturnType<typeof openTestDatabase>>;
let keyRing: KeyRing;
let store: ResourceStore;

beforeAll(async () => {
  database = await openTestDatabase();
  keyRing = await KeyRing.open(database.db, randomBytes(32));
  store = new ResourceStore(database.db, keyRing, () => ({ search: [], compartments: [] }));
});
afterAll(async () => {
  await database.close();
});

describe('ResourceStore', () => {
  describe('when a writer died after claiming a version but before making it current', () => {
    it('completes the claimed version, so the next writer sees it and nothing is lost', async () => {
      const { version } = await store.create({ resourceType: 'Patient', gender: 'male' } as Patient);
      const claimed: Patient = { resourceType: 'Patient', id: version.id, gender: 'female', meta: { versionId: '2' } };
      const lastUpdated = new Date();
      claimed.meta!.lastUpdated = lastUpdated.toISOString();
      await database.db.collection('history').insertOne({
        _id: `Patient/${version.id}/${'2'.padStart(10, '0')}` as never,
        type: 'Patient',
        id: version.id,
        versionId: 2,
        lastUpdated,
        deleted: false,
        method: 'PUT',
        body: keyRing.encrypt(Buffer.from(JSON.stringify(claimed)), bodyAad('Patient', version.id, 2)),
      });

      await expect(
        store.update({ resourceType: 'Patient', id: version.id, gender: 'other' } as Patient & { id: string }, 1),
      ).rejects.toMatchObject({ status: 412 });

      const current = await store.read('Patient', version.id);
      expect(current.versionId).toBe(2);
      expect((current.resource as Patient).gender).toBe('female');

      const { version: third } = await store.update({ resourceType: 'Patient', id: version.id, gender: 'other' } as Patient & { id: string }, 2);
      expect(third.versionId).toBe(3);
      const history = await store.readHistory({ types: ['Patient'], id: version.id, count: 10 });
      expect(history.versions.map((v) => v.versionId)).toEqual([3, 2, 1]);
    });
  });

  it('lets only one of several concurrent deletes with the same If-Match succeed', async () => {
    const { version } = await store.create({ resourceType: 'Patient' });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => store.delete('Patient', version.id, 1)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const history = await store.readHistory({ types: ['Patient'], id: version.id, count: 10 });
    expect(history.versions.map((v) => v.deleted)).toEqual([true, false]);
  });
});
