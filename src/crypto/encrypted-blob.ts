import { Binary } from 'mongodb';

/**
 * A value encrypted at rest, as stored in MongoDB: `k` the data key id, `n` the 96-bit nonce,
 * `c` the AES-256-GCM ciphertext followed by its 16-byte tag. Short field names because one
 * rides in every stored resource and history version.
 */
export interface EncryptedBlob {
  k: string;
  n: Binary;
  c: Binary;
}

/** The parts of a blob read back from the database, checked for shape only. */
export interface BlobParts {
  keyId: string;
  nonce: Uint8Array;
  sealed: Uint8Array;
}

/** Key ids are ours (`d0`, `d-…`); anything else in `k` means the document was altered. */
const keyIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

export function toEncryptedBlob(keyId: string, nonce: Buffer, sealed: Buffer): EncryptedBlob {
  return { k: keyId, n: new Binary(nonce), c: new Binary(sealed) };
}

/** Narrows a stored value to the blob's parts, or `undefined` when it is not a blob. */
export function readBlobParts(value: unknown): BlobParts | undefined {
  if (typeof value !== 'object' || value === null) return undefined;

  const { k, n, c } = value as Record<string, unknown>;
  if (typeof k !== 'string' || !keyIdPattern.test(k)) return undefined;
  if (!(n instanceof Binary) || !(c instanceof Binary)) return undefined;

  return { keyId: k, nonce: n.value(), sealed: c.value() };
}
