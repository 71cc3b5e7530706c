import { createHmac } from 'node:crypto';
import { Binary } from 'mongodb';

/**
 * The hash of one chain link: HMAC-SHA-256 under the chain key over the canonical form of the
 * whole stored document except `chain.hash` itself — body ciphertext, key id, nonce, search
 * index, compartments, ids, dates and the link fields (`writer`, `seq`, `prevHash`). Any field
 * changed, added or removed in the database changes it.
 *
 * Keyed rather than a bare SHA-256: with a bare hash, whoever can write to the database can
 * rewrite the events after the last checkpoint and recompute the chain; with the key they
 * cannot.
 */
export function computeChainHash(chainKey: Buffer, doc: Record<string, unknown>): string {
  const { chain, ...rest } = doc;
  const link = isRecord(chain) ? { ...chain, hash: undefined } : chain;
  return createHmac('sha256', chainKey)
    .update(canonicalize({ ...rest, chain: link }))
    .digest('hex');
}

/**
 * A deterministic text form of a document as written and as read back: object keys sorted,
 * `undefined` and `null` members dropped (the driver may store one as the other), dates as ISO
 * instants, binary as base64.
 */
export function canonicalize(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (value instanceof Date) return JSON.stringify({ $date: value.toISOString() });
  if (value instanceof Binary) return JSON.stringify({ $binary: base64(value.value()) });
  if (value instanceof Uint8Array) return JSON.stringify({ $binary: base64(value) });
  if (Array.isArray(value)) return `[${value.map(canonicalize).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined && value[key] !== null)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalize(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
