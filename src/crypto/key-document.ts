import { hkdfSync } from 'node:crypto';
import { Binary } from 'mongodb';
import { keyBytes, openAesGcm, sealAesGcm } from './aes-gcm.ts';

/** The collection that holds the wrapped data keys and the blind-index key. */
export const keysCollectionName = 'keys';

/** What a stored key is for. The purpose is bound into the wrapping, so keys cannot swap roles. */
export const keyPurposes = { data: 'data', blindIndex: 'blind-index' } as const;
export type KeyPurpose = (typeof keyPurposes)[keyof typeof keyPurposes];

export const keyStatuses = { active: 'active', retired: 'retired' } as const;
export type KeyStatus = (typeof keyStatuses)[keyof typeof keyStatuses];

/** One document of the `keys` collection: the key itself only ever wrapped by the master key. */
export interface KeyDocument {
  _id: string;
  purpose: KeyPurpose;
  status: KeyStatus;
  createdAt: Date;
  /** Nonce of the wrapping. */
  n: Binary;
  /** The wrapped key: AES-256-GCM ciphertext || tag. */
  c: Binary;
}

/**
 * The key-encryption key, derived rather than the master key itself so the master key can
 * serve other purposes later without two uses sharing one AES key (RFC 5869 §3.2, `info`).
 */
export function deriveWrappingKey(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'ward/key-wrapping/v1', 32));
}

export function wrapKey(
  wrappingKey: Buffer,
  key: Buffer,
  fields: Omit<KeyDocument, 'n' | 'c'>,
): KeyDocument {
  const { nonce, sealed } = sealAesGcm(wrappingKey, key, wrappingAad(fields._id, fields.purpose));
  return { ...fields, n: new Binary(nonce), c: new Binary(sealed) };
}

/** Unwraps a stored key; throws when the master key is not the one that wrapped it. */
export function unwrapKey(wrappingKey: Buffer, doc: KeyDocument): Buffer {
  const aad = wrappingAad(doc._id, doc.purpose);
  const key = openAesGcm(wrappingKey, doc.n.value(), doc.c.value(), aad);
  if (key.length !== keyBytes) throw new Error('unwrapped key has the wrong length');
  return key;
}

/** Narrows a document read from `keys`; anything else means the collection was altered. */
export function isKeyDocument(value: unknown): value is KeyDocument {
  if (typeof value !== 'object' || value === null) return false;

  const doc = value as Record<string, unknown>;
  return (
    typeof doc._id === 'string' &&
    Object.values(keyPurposes).includes(doc.purpose as KeyPurpose) &&
    Object.values(keyStatuses).includes(doc.status as KeyStatus) &&
    doc.createdAt instanceof Date &&
    doc.n instanceof Binary &&
    doc.c instanceof Binary
  );
}

function wrappingAad(keyId: string, purpose: KeyPurpose): Buffer {
  return Buffer.from(`ward/key/${purpose}/${keyId}`, 'utf8');
}
