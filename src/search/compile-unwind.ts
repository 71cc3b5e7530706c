import type { Collection, Db, Document, Filter } from 'mongodb';
import type { CompiledSearch } from './compile.ts';
import { toMongoFilter } from './compile.ts';
import { prefixFields } from './compile-match.ts';
import type { Condition } from './compile-types.ts';

/**
 * Whether the engine evaluates `$elemMatch` with several field conditions on array elements.
 * MongoDB does; FerretDB 1.24 answers "unknown operator" (its issue #730/#731).
 */
export async function supportsElemMatch(db: Db): Promise<boolean> {
  // The engine must see a document: FerretDB checks the operator only while matching one.
  const probe = db.collection<{ _id: string; a: Array<{ b: number; c: number }> }>('engine_probe');
  await probe.replaceOne({ _id: 'elemMatch' }, { a: [{ b: 1, c: 1 }] }, { upsert: true });
  try {
    const found = await probe.find({ a: { $elemMatch: { b: 1, c: 1 } } }).toArray();
    return found.length === 1;
  } catch {
    return false;
  }
}

/**
 * The same search as `toMongoFilter`, for engines without `$elemMatch` on sub-documents: each
 * entry condition runs first as `$unwind` + `$match` (one entry at a time, so its fields are
 * compared on the same entry) and becomes an `_id` list. Costs one aggregation per clause and
 * holds the matching ids in memory: a degraded mode for the offline FerretDB fallback only.
 */
export async function toUnwoundFilter(
  collection: Collection,
  compiled: CompiledSearch,
): Promise<Filter<Document>> {
  const conditions: Condition[] = [];
  for (const condition of compiled.conditions) {
    conditions.push(await resolveCondition(collection, compiled.base, condition));
  }
  return toMongoFilter({ base: compiled.base, conditions });
}

async function resolveCondition(
  collection: Collection,
  base: Filter<Document>,
  condition: Condition,
): Promise<Condition> {
  if (condition.kind === 'document' || Object.keys(condition.match).length === 0) return condition;

  const entryMatch = { 'search.p': condition.p, ...prefixFields(condition.match, 'search.') };
  const rows = await collection
    .aggregate<{ _id: unknown }>([
      { $match: { ...base, 'search.p': condition.p } },
      { $unwind: '$search' },
      { $match: entryMatch },
      { $group: { _id: '$_id' } },
    ])
    .toArray();
  const ids = rows.map((row) => row._id);
  return { kind: 'document', filter: { _id: { [condition.isNegated ? '$nin' : '$in']: ids } } };
}
