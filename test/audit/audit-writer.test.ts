import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Collection, Db } from 'mongodb';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
import { ResourceStore } from '../../src/store/resource-store.ts';
import { FhirError } from '../../src/fhir/fhir-error.ts';
import { verifyAuditTrail } from '../../src/audit/audit-verify.ts';
import { openAuditFixture, sampleReadEvent, type AuditFixture } from './audit-fixtures.ts';

let database: TestDatabase;
let db: Db;
let fixture: AuditFixture;

beforeEach(async () => {
  database = await openTestDatabase();
  db = database.db;
  fixture = await openAuditFixture(db);
});
afterEach(() => database.close());

/** Counts insertMany calls on the real `resources` collection handle the writer will use. */
function countInsertMany(target: Db): { calls: number[] } {
  const seen = { calls: [] as number[] };
  const collection = target.collection.bind(target);
  target.collection = ((name: string, options?: object) => {
    const handle = collection(name, options) as Collection;
    if (name === 'resources') {
      const insertMany = handle.insertMany.bind(handle);
      handle.insertMany = ((docs: never[], opts?: object) => {
        seen.calls.push(docs.length);
        return insertMany(docs, opts);
      }) as typeof handle.insertMany;
    }
    return handle;
  }) as typeof target.collection;
  return seen;
}

describe('AuditWriter', () => {
  it('writes concurrent records together in one insertMany (group commit)', async () => {
    const spy = countInsertMany(db);
    const writer = fixture.newWriter({ batchWindowMs: 50 });

    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, n) => writer.record(sampleReadEvent(n))),
    );

    expect(new Set(ids).size).toBe(20);
    expect(spy.calls).toEqual([20]);
    expect(await db.collection('resources').countDocuments({ type: 'AuditEvent' })).toBe(20);
    expect(await db.collection('history').countDocuments({ type: 'AuditEvent' })).toBe(20);
    await writer.close();
  });

  it('writes at once when maxBatch events wait, without waiting for the window', async () => {
    const spy = countInsertMany(db);
    const writer = fixture.newWriter({ batchWindowMs: 60_000, maxBatch: 10 });

    await Promise.all(Array.from({ length: 25 }, (_, n) => writer.record(sampleReadEvent(n))));

    expect(spy.calls.reduce((a, b) => a + b, 0)).toBe(25);
    expect(spy.calls[0]).toBe(10);
    await writer.close();
  });

  it('resolves only after the event is stored, readable through ResourceStore', async () => {
    const writer = fixture.newWriter();
    const id = await writer.record(sampleReadEvent(1, 'p42'));

    const store = new ResourceStore(db, fixture.keyRing, fixture.indexer);
    const { resource } = await store.read('AuditEvent', id);
    expect(resource).toMatchObject({ resourceType: 'AuditEvent', id, meta: { versionId: '1' } });
    const vread = await store.vread('AuditEvent', id, 1);
    expect(vread.resource).toEqual(resource);
    const history = await store.readHistory({ types: ['AuditEvent'], count: 10 });
    expect(history.versions.map((v) => v.id)).toEqual([id]);

    const doc = await db.collection('resources').findOne({ _id: `AuditEvent/${id}` as never });
    expect(doc?.compartments).toEqual(['Patient/p42']);
    expect(JSON.stringify(doc)).not.toContain('192.0.2.10');
    await writer.close();
  });

  it('rejects every waiting record of a batch that fails, with 503', async () => {
    const writer = fixture.newWriter({ batchWindowMs: 20 });
    await writer.record(sampleReadEvent(0));
    // Occupy the chain positions the next batch will claim: its insert fails on a duplicate _id.
    const next = `AuditEvent/${writer.writerId}-2`;
    await db.collection('resources').insertOne({ _id: next as never, type: 'Blocker' });

    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, n) => writer.record(sampleReadEvent(n + 1))),
    );

    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    for (const r of results) {
      const reason = (r as PromiseRejectedResult).reason;
      expect(reason).toBeInstanceOf(FhirError);
      expect(reason.status).toBe(503);
    }
    expect(fixture.logs.map((l) => l.message)).toContain(
      'audit write failed; the requests are refused',
    );
    // The writer goes on with a fresh chain and stays verifiable.
    await db.collection('resources').deleteOne({ _id: next as never });
    await writer.record(sampleReadEvent(9));
    await writer.close();
    expect((await verifyAuditTrail(db, fixture.keys)).findings).toEqual([]);
  });

  it('refuses records after close', async () => {
    const writer = fixture.newWriter();
    await writer.close();
    await expect(writer.record(sampleReadEvent(1))).rejects.toMatchObject({ status: 503 });
  });

  it('writes a signed checkpoint every N events and at close', async () => {
    const writer = fixture.newWriter({ checkpointEvery: 3, maxBatch: 3, batchWindowMs: 1 });
    for (let n = 0; n < 7; n++) await writer.record(sampleReadEvent(n));
    await writer.close();

    const checkpoints = await db
      .collection('audit_checkpoints')
      .find({}, { sort: { seq: 1 } })
      .toArray();
    expect(checkpoints.map((c) => c.seq)).toEqual([3, 6, 7]);
    expect(checkpoints[0]!.signature).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
  });
});

describe('AuditWriter checkpoints on a timer', () => {
  it('seals events that arrived since the last checkpoint without waiting for N events', async () => {
    const writer = fixture.newWriter({ checkpointEvery: 1000, checkpointIntervalMs: 20 });
    await writer.record(sampleReadEvent(1));
    await writer.record(sampleReadEvent(2));

    const checkpoints = db.collection('audit_checkpoints');
    await vi.waitFor(async () => expect(await checkpoints.countDocuments({ seq: 2 })).toBe(1), {
      timeout: 5000,
    });
    expect((await verifyAuditTrail(db, fixture.keys)).writers[0]?.checkpointSeq).toBe(2);
    const before = await checkpoints.countDocuments({});
    await writer.close();
    // Nothing new since the timer's checkpoint: close adds none.
    expect(await checkpoints.countDocuments({})).toBe(before);
  });
});
