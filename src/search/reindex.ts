import type { Db } from 'mongodb';
import { collectionNames } from '../store/documents.ts';
import type { CurrentDocument } from '../store/documents.ts';
import type { BodyCipher, ResourceIndexer } from '../store/resource-store.ts';
import { ResourceStore } from '../store/resource-store.ts';

/**
 * Rebuilds the index entries, compartments and sort keys of every current version. A version
 * written meanwhile is skipped (its writer indexed it with the current code). AuditEvents are
 * left as written: their index is part of the hash chain (src/audit/chain-hash.ts), so that
 * nobody can hide an event from `AuditEvent?patient=` without `audit:verify` noticing.
 */
export async function reindexAll(
  db: Db,
  cipher: BodyCipher,
  indexer: ResourceIndexer,
): Promise<{ reindexed: number; skipped: number }> {
  const store = new ResourceStore(db, cipher, indexer);
  const resources = db.collection<CurrentDocument>(collectionNames.resources);
  let reindexed = 0;
  let skipped = 0;
  for await (const doc of resources.find({ deleted: false, type: { $ne: 'AuditEvent' } })) {
    const { resource } = await store.open(doc);
    const { search, compartments, sort } = indexer(resource!);
    const result = await resources.updateOne(
      { _id: doc._id, versionId: doc.versionId },
      { $set: { search, compartments, ...(sort ? { sort } : {}) } },
    );
    if (result.matchedCount === 1) reindexed++;
    else skipped++;
  }
  return { reindexed, skipped };
}
