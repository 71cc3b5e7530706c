import type { Db } from 'mongodb';
import { collectionNames } from '../store/documents.ts';
import {
  auditCollectionNames,
  auditHistoryKey,
  genesisHash,
  toHistoryEntry,
  type AuditDocument,
} from './audit-documents.ts';
import type { AuditKeys } from './audit-keys.ts';
import { canonicalize, computeChainHash } from './chain-hash.ts';
import { isCheckpointAuthentic } from './checkpoint-signature.ts';

export const findingKinds = {
  inserted: 'inserted',
  removed: 'removed',
  altered: 'altered',
  forgedCheckpoint: 'forged-checkpoint',
} as const;
export type TamperKind = (typeof findingKinds)[keyof typeof findingKinds];

/** One piece of evidence of tampering, named by chain position and AuditEvent id. */
export interface TamperFinding {
  kind: TamperKind;
  collection: string;
  writer?: string;
  seq?: number;
  auditEventId?: string;
  /** True when a signed checkpoint covers the position (the evidence is signed, not only chained). */
  sealed: boolean;
  detail: string;
}

export interface WriterSummary {
  writer: string;
  events: number;
  lastSeq: number;
  /** Highest position covered by an authentic checkpoint; 0 when none. */
  checkpointSeq: number;
}

export interface AuditVerification {
  ok: boolean;
  findings: TamperFinding[];
  writers: WriterSummary[];
}

interface Candidate {
  doc: Record<string, unknown>;
  writer: string;
  seq: number;
  valid: boolean;
}

/**
 * Walks every writer's hash chain in `resources`, the AuditEvents' history entries and the
 * signed checkpoints, and reports each AuditEvent inserted, removed or altered in the database.
 *
 * What it can and cannot see: any change to a stored event (its HMAC fails), any event missing
 * between two others or below a checkpoint (a gap), any document no writer produced (no valid
 * HMAC), and any checkpoint not signed by Ward. Events removed from the very end of a chain
 * after its last checkpoint leave no trace; the checkpoint interval bounds that window.
 */
export async function verifyAuditTrail(db: Db, keys: AuditKeys): Promise<AuditVerification> {
  const findings: TamperFinding[] = [];
  const sealedSeq = await readCheckpoints(db, keys, findings);
  const byWriter = await readChains(db, keys, findings);

  const known = new Set([...sealedSeq.keys()]);
  for (const [writer, list] of byWriter) if (list.some((c) => c.valid)) known.add(writer);

  const summaries: WriterSummary[] = [];
  const positions = new Map<string, number>();
  for (const writer of new Set([...byWriter.keys(), ...sealedSeq.keys()])) {
    const list = byWriter.get(writer) ?? [];
    const summary = walkChain(writer, list, sealedSeq.get(writer), known.has(writer), findings);
    if (known.has(writer)) {
      summaries.push(summary);
      positions.set(writer, summary.lastSeq);
    }
  }
  const valid = [...byWriter.values()].flat().filter((c) => c.valid);
  await checkHistory(db, valid, positions, findings);
  return { ok: findings.length === 0, findings, writers: summaries };
}

/** Authentic checkpoints → highest sealed position per writer; forged ones are findings. */
async function readCheckpoints(db: Db, keys: AuditKeys, findings: TamperFinding[]) {
  const sealed = new Map<string, { seq: number; hash: string }>();
  const all = db.collection(auditCollectionNames.checkpoints).find({});
  for await (const doc of all) {
    if (!(await isCheckpointAuthentic(doc, keys.verifyKey))) {
      findings.push({
        kind: findingKinds.forgedCheckpoint,
        collection: auditCollectionNames.checkpoints,
        sealed: false,
        detail: `checkpoint ${String(doc._id)} is not signed by the audit key`,
      });
      continue;
    }
    const { writer, seq, hash } = doc as unknown as { writer: string; seq: number; hash: string };
    if ((sealed.get(writer)?.seq ?? 0) < seq) sealed.set(writer, { seq, hash });
  }
  return sealed;
}

async function readChains(db: Db, keys: AuditKeys, findings: TamperFinding[]) {
  const byWriter = new Map<string, Candidate[]>();
  const cursor = db
    .collection(collectionNames.resources)
    .find({ $or: [{ type: 'AuditEvent' }, { chain: { $exists: true } }] });
  for await (const raw of cursor) {
    const doc = raw as Record<string, unknown>;
    const link = readLink(doc.chain);
    if (!link) {
      findings.push({
        kind: findingKinds.inserted,
        collection: collectionNames.resources,
        auditEventId: typeof doc.id === 'string' ? doc.id : undefined,
        sealed: false,
        detail: 'AuditEvent that belongs to no audit chain',
      });
      continue;
    }
    const valid = computeChainHash(keys.chainKey, doc) === link.hash;
    const list = byWriter.get(link.writer) ?? [];
    list.push({ doc, writer: link.writer, seq: link.seq, valid });
    byWriter.set(link.writer, list);
  }
  return byWriter;
}

function walkChain(
  writer: string,
  list: Candidate[],
  sealed: { seq: number; hash: string } | undefined,
  known: boolean,
  findings: TamperFinding[],
): WriterSummary {
  const sealedSeq = sealed?.seq ?? 0;
  const at = new Map<number, Candidate>();
  const report = (kind: TamperKind, seq: number, detail: string, doc?: Record<string, unknown>) =>
    findings.push({
      kind,
      collection: collectionNames.resources,
      writer,
      seq,
      auditEventId: typeof doc?.id === 'string' ? doc.id : undefined,
      sealed: seq <= sealedSeq,
      detail,
    });

  for (const candidate of list.sort((a, b) => a.seq - b.seq || Number(b.valid) - Number(a.valid))) {
    const { seq, doc, valid } = candidate;
    if (valid) at.set(seq, candidate);
    else if (!known) report('inserted', seq, 'AuditEvent of a chain no Ward writer wrote', doc);
    else if (at.has(seq)) report('inserted', seq, 'second AuditEvent at a chain position', doc);
    else {
      at.set(seq, candidate);
      report('altered', seq, 'AuditEvent does not match its chain hash', doc);
    }
  }

  // Only authentic positions extend the walk: a forged seq of 10^12 must not mean 10^12 reports.
  const lastSeq = list.reduce((max, c) => (c.valid && c.seq > max ? c.seq : max), sealedSeq);
  let events = 0;
  for (let seq = 1; seq <= lastSeq && known; seq++) {
    const here = at.get(seq);
    if (!here) {
      report('removed', seq, 'AuditEvent missing from its chain');
      continue;
    }
    if (!here.valid) continue;
    events++;
    const link = here.doc.chain as { prevHash: string; hash: string };
    const before = at.get(seq - 1);
    const expected = seq === 1 ? genesisHash : before?.valid ? chainHashOf(before) : undefined;
    if (expected !== undefined && link.prevHash !== expected) {
      report('altered', seq, 'AuditEvent does not link to its predecessor', here.doc);
    }
    if (sealed && seq === sealed.seq && link.hash !== sealed.hash) {
      report('altered', seq, 'AuditEvent differs from the signed checkpoint', here.doc);
    }
  }
  return { writer, events, lastSeq, checkpointSeq: sealedSeq };
}

/**
 * History entries must be exact copies of version 1 (vread and `_history` serve them), and no
 * AuditEvent history entry may exist outside a chain.
 */
async function checkHistory(
  db: Db,
  valid: Candidate[],
  lastSeq: Map<string, number>,
  findings: TamperFinding[],
): Promise<void> {
  const entries = new Map<string, Record<string, unknown>>();
  for await (const doc of db.collection(collectionNames.history).find({ type: 'AuditEvent' })) {
    entries.set(String(doc._id), doc as Record<string, unknown>);
  }
  const report = (kind: TamperKind, c: Candidate | undefined, id: unknown, detail: string) =>
    findings.push({
      kind,
      collection: collectionNames.history,
      writer: c?.writer,
      seq: c?.seq,
      auditEventId: typeof id === 'string' ? id : undefined,
      sealed: false,
      detail,
    });

  for (const candidate of valid) {
    const doc = candidate.doc as unknown as AuditDocument;
    const key = auditHistoryKey(doc.id);
    const entry = entries.get(key);
    entries.delete(key);
    if (!entry)
      report(
        'removed',
        candidate,
        doc.id,
        'history entry missing (removed, or its audit write failed half-way)',
      );
    else if (canonicalize(entry) !== canonicalize(toHistoryEntry(doc))) {
      report('altered', candidate, doc.id, 'history entry differs from the chained AuditEvent');
    }
  }
  for (const entry of entries.values()) {
    const [, writer, seq] = /^([0-9a-f]+)-(\d+)$/.exec(String(entry.id)) ?? [];
    // An entry whose current document was removed is reported there; others are foreign.
    if (writer && Number(seq) <= (lastSeq.get(writer) ?? 0)) continue;
    report('inserted', undefined, entry.id, 'AuditEvent history entry outside every chain');
  }
}

function chainHashOf(candidate: Candidate): string {
  return (candidate.doc.chain as { hash: string }).hash;
}

function readLink(value: unknown): { writer: string; seq: number; hash: string } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { writer, seq, hash } = value as Record<string, unknown>;
  if (typeof writer !== 'string' || typeof hash !== 'string') return undefined;
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 1) return undefined;
  return { writer, seq, hash };
}
