import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from 'mongodb';
import { openTestDatabase, type TestDatabase } from '../helpers/database.ts';
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

/** Six events by one writer, checkpointed at 4 (then events 5 and 6 after it). */
async function writeTrail(): Promise<{ writer: string; ids: string[] }> {
  const writer = fixture.newWriter({ checkpointEvery: 4, maxBatch: 4, batchWindowMs: 1 });
  const ids: string[] = [];
  for (let n = 1; n <= 4; n++) ids.push(await writer.record(sampleReadEvent(n)));
  const writerId = writer.writerId;
  await writer.checkpoint();
  ids.push(await writer.record(sampleReadEvent(5)));
  ids.push(await writer.record(sampleReadEvent(6)));
  // No close(): the last two events stay after the last checkpoint.
  return { writer: writerId, ids };
}

type AnyDocument = { _id: string; [field: string]: unknown };
const resources = () => db.collection<AnyDocument>('resources');

describe('verifyAuditTrail', () => {
  it('passes an untouched trail and summarises each writer', async () => {
    const { writer } = await writeTrail();
    const result = await verifyAuditTrail(db, fixture.keys);
    expect(result).toEqual({
      ok: true,
      findings: [],
      writers: [{ writer, events: 6, lastSeq: 6, checkpointSeq: 4 }],
    });
  });

  it('names an AuditEvent altered in place, before and after the checkpoint', async () => {
    const { writer, ids } = await writeTrail();
    // Move the event to another patient's compartment: it would vanish from AuditEvent?patient=p1.
    await resources().updateOne({ id: ids[1] }, { $set: { compartments: ['Patient/other'] } });
    await resources().updateOne({ id: ids[4] }, { $set: { lastUpdated: new Date(0) } });

    const { ok, findings } = await verifyAuditTrail(db, fixture.keys);
    expect(ok).toBe(false);
    expect(findings).toEqual([
      expect.objectContaining({
        kind: 'altered',
        writer,
        seq: 2,
        auditEventId: ids[1],
        sealed: true,
      }),
      expect.objectContaining({
        kind: 'altered',
        writer,
        seq: 5,
        auditEventId: ids[4],
        sealed: false,
      }),
    ]);
  });

  it('detects a body swapped with another event (ciphertext altered)', async () => {
    const { ids } = await writeTrail();
    const other = await resources().findOne({ id: ids[2] });
    await resources().updateOne({ id: ids[0] }, { $set: { body: other!.body } });

    const { findings } = await verifyAuditTrail(db, fixture.keys);
    expect(findings.map((f) => [f.kind, f.seq])).toEqual([['altered', 1]]);
  });

  it('names AuditEvents removed from the middle and from below the checkpoint', async () => {
    const { writer, ids } = await writeTrail();
    await resources().deleteOne({ id: ids[3] });
    await resources().deleteOne({ id: ids[4] });

    const { findings } = await verifyAuditTrail(db, fixture.keys);
    const inResources = findings.filter((f) => f.collection === 'resources');
    expect(inResources).toEqual([
      expect.objectContaining({ kind: 'removed', writer, seq: 4, sealed: true }),
      expect.objectContaining({ kind: 'removed', writer, seq: 5, sealed: false }),
    ]);
  });

  it('reports removals at the end of a chain up to its checkpoint', async () => {
    const { ids } = await writeTrail();
    for (const id of ids.slice(2)) await resources().deleteOne({ id });

    const { findings } = await verifyAuditTrail(db, fixture.keys);
    // Positions 3 and 4 are covered by the signed checkpoint; 5 and 6 were past it.
    expect(findings.filter((f) => f.collection === 'resources').map((f) => f.seq)).toEqual([3, 4]);
  });

  it('names an inserted AuditEvent, with or without forged chain fields', async () => {
    const { writer, ids } = await writeTrail();
    const copy = await resources().findOne({ id: ids[0] });
    await resources().insertOne({ ...copy, _id: 'AuditEvent/forged-1', id: 'forged-1' });
    await resources().insertOne({
      ...copy,
      _id: 'AuditEvent/forged-2',
      id: 'forged-2',
      chain: { writer: 'ffffffffffffffff', seq: 1, prevHash: '0'.repeat(64), hash: 'a'.repeat(64) },
    });
    await resources().insertOne({ _id: 'AuditEvent/bare', type: 'AuditEvent', id: 'bare' });

    const { findings } = await verifyAuditTrail(db, fixture.keys);
    const inserted = findings.filter((f) => f.collection === 'resources');
    expect(inserted).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'inserted', writer, seq: 1, auditEventId: 'forged-1' }),
        expect.objectContaining({ kind: 'inserted', auditEventId: 'forged-2' }),
        expect.objectContaining({ kind: 'inserted', auditEventId: 'bare' }),
      ]),
    );
    expect(inserted).toHaveLength(3);
  });

  it('reports a forged checkpoint and an altered history entry', async () => {
    const { ids } = await writeTrail();
    const checkpoints = db.collection<Record<string, unknown>>('audit_checkpoints');
    await checkpoints.updateOne({}, { $set: { seq: 6 } });
    const other = await resources().findOne({ id: ids[1] });
    await db
      .collection<Record<string, unknown>>('history')
      .updateOne({ id: ids[0] }, { $set: { body: other!.body } });

    const { findings } = await verifyAuditTrail(db, fixture.keys);
    expect(findings.map((f) => [f.kind, f.collection, f.auditEventId])).toEqual([
      ['forged-checkpoint', 'audit_checkpoints', undefined],
      ['altered', 'history', ids[0]],
    ]);
  });

  it('verifies clean with two writers recording in parallel on one database', async () => {
    const a = fixture.newWriter({ batchWindowMs: 2, checkpointEvery: 7 });
    const b = fixture.newWriter({ batchWindowMs: 3, checkpointEvery: 5 });
    await Promise.all(
      Array.from({ length: 40 }, (_, n) => (n % 2 ? a : b).record(sampleReadEvent(n, `p${n % 3}`))),
    );
    await Promise.all([a.close(), b.close()]);

    const result = await verifyAuditTrail(db, fixture.keys);
    expect(result.findings).toEqual([]);
    expect(result.writers.map((w) => w.events).sort()).toEqual([20, 20]);
    expect(result.writers.every((w) => w.checkpointSeq === 20)).toBe(true);
  });
});
