import type { CurrentDocument, HistoryDocument } from '../store/documents.ts';
import { documentKey, historyKey } from '../store/documents.ts';

/**
 * Position of an audit document in its writer's hash chain. `hash` is HMAC-SHA-256 over
 * (`prevHash`, `writer`, `seq`, the canonical stored document); see chain-hash.ts.
 */
export interface ChainLink {
  writer: string;
  seq: number;
  prevHash: string;
  hash: string;
}

/**
 * An AuditEvent as stored: exactly the `resources` document ResourceStore writes (version 1,
 * encrypted body, search index, compartments), so the search engine and reads find it, plus its
 * chain link. Only ever inserted: no code path updates or deletes one.
 */
export interface AuditDocument extends CurrentDocument {
  chain: ChainLink;
}

/** The history entry of an AuditEvent (version 1, `POST`), as ResourceStore writes it. */
export type AuditHistoryDocument = HistoryDocument;

/** A signed statement "writer W's chain had reached seq S with hash H at time T". */
export interface CheckpointDocument {
  /** `<writer>/<seq>`: a checkpoint is inserted once, never replaced. */
  _id: string;
  writer: string;
  seq: number;
  hash: string;
  at: Date;
  /** JWS compact serialization (EdDSA) of the canonical {writer, seq, hash, at}. */
  signature: string;
}

export const auditCollectionNames = {
  checkpoints: 'audit_checkpoints',
  signals: 'audit_signals',
  findings: 'audit_findings',
  addresses: 'audit_addresses',
} as const;

/** The chain's start: the `prevHash` of every writer's first document. */
export const genesisHash = '0'.repeat(64);

/** `_id`s of an AuditEvent's documents, in the store's formats (it is always version 1). */
export function auditDocumentKey(id: string): string {
  return documentKey('AuditEvent', id);
}

export function auditHistoryKey(id: string): string {
  return historyKey('AuditEvent', id, 1);
}

/** The AuditEvent id of a chain position: unique by construction, so the insert is the claim. */
export function auditEventId(writer: string, seq: number): string {
  return `${writer}-${seq}`;
}

/** The history entry of a stored AuditEvent, as ResourceStore would write version 1. */
export function toHistoryEntry(doc: AuditDocument): AuditHistoryDocument {
  return {
    _id: auditHistoryKey(doc.id),
    type: doc.type,
    id: doc.id,
    versionId: 1,
    lastUpdated: doc.lastUpdated,
    deleted: false,
    method: 'POST',
    compartments: doc.compartments,
    body: doc.body,
  };
}
