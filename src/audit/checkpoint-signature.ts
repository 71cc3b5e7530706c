import { CompactSign, compactVerify } from 'jose';
import type { KeyObject } from 'node:crypto';
import type { CheckpointDocument } from './audit-documents.ts';

type CheckpointClaim = Pick<CheckpointDocument, 'writer' | 'seq' | 'hash' | 'at'>;

function payloadOf(claim: CheckpointClaim): Uint8Array {
  const { writer, seq, hash, at } = claim;
  return new TextEncoder().encode(JSON.stringify({ writer, seq, hash, at: at.toISOString() }));
}

/** Signs a checkpoint claim: a JWS compact serialization with EdDSA (Ed25519, RFC 8037). */
export async function signCheckpoint(claim: CheckpointClaim, key: KeyObject): Promise<string> {
  return new CompactSign(payloadOf(claim)).setProtectedHeader({ alg: 'EdDSA' }).sign(key);
}

/**
 * Whether a stored checkpoint's signature is valid and signs exactly the document's own
 * fields. False for anything malformed: the caller reports it, it does not throw.
 */
export async function isCheckpointAuthentic(doc: unknown, key: KeyObject): Promise<boolean> {
  if (!isCheckpointShape(doc)) return false;
  try {
    const { payload } = await compactVerify(doc.signature, key, { algorithms: ['EdDSA'] });
    return Buffer.from(payload).equals(Buffer.from(payloadOf(doc)));
  } catch {
    return false;
  }
}

function isCheckpointShape(doc: unknown): doc is CheckpointDocument {
  if (typeof doc !== 'object' || doc === null) return false;
  const d = doc as Record<string, unknown>;
  return (
    typeof d.writer === 'string' &&
    typeof d.seq === 'number' &&
    typeof d.hash === 'string' &&
    d.at instanceof Date &&
    typeof d.signature === 'string'
  );
}
