import { randomBytes } from 'node:crypto';
import { MongoServerError, type Collection, type Db } from 'mongodb';
import { FhirError } from '../fhir/fhir-error.ts';
import type { BlindIndexFn } from '../search/index-entry.ts';
import { keyBytes, openAesGcm, sealAesGcm } from './aes-gcm.ts';
import { BlindIndexer } from './blind-index.ts';
import { readBlobParts, toEncryptedBlob, type EncryptedBlob } from './encrypted-blob.ts';
import {
  deriveWrappingKey,
  isKeyDocument,
  keyPurposes,
  keysCollectionName,
  keyStatuses,
  unwrapKey,
  wrapKey,
  type KeyDocument,
  type KeyPurpose,
} from './key-document.ts';

/**
 * Fixed ids for the first keys: processes starting together on an empty database all try to
 * insert the same `_id`, exactly one insert wins, and the others read the winner's key.
 */
const initialDataKeyId = 'd0';
const blindIndexKeyId = 'b0';

const duplicateKeyCode = 11000;

interface DataKey {
  id: string;
  key: Buffer;
  createdAt: Date;
}

/**
 * Envelope encryption at rest (HIPAA.md "Encryption"): AES-256-GCM under data keys that live in
 * the `keys` collection wrapped by the master key, plus the keyed blind indexes search uses.
 * Unwrapped keys are cached in memory for the life of the process.
 *
 * The blind-index key never rotates, neither here nor silently anywhere: every stored index
 * entry is an HMAC under it, so a new key would make every protected search miss until all
 * resources were re-indexed. Changing it is an offline re-index, not a `rotate()`.
 */
export class KeyRing {
  readonly #keys: Collection<KeyDocument>;
  readonly #wrappingKey: Buffer;
  readonly #dataKeys = new Map<string, Buffer>();
  readonly #pendingLoads = new Map<string, Promise<Buffer | undefined>>();
  readonly #blindIndexer: BlindIndexer;
  #active: DataKey;

  private constructor(
    keys: Collection<KeyDocument>,
    wrappingKey: Buffer,
    active: DataKey,
    blindIndexKey: Buffer,
  ) {
    this.#keys = keys;
    this.#wrappingKey = wrappingKey;
    this.#active = active;
    this.#blindIndexer = new BlindIndexer(blindIndexKey);
  }

  /**
   * Loads (creating on first start) and unwraps every key in `db`'s `keys` collection. Throws a
   * plain Error, meant to stop start-up, when the master key is not the one the stored keys were
   * wrapped with or the collection holds something that is not a key.
   */
  static async open(db: Db, masterKey: Buffer): Promise<KeyRing> {
    if (masterKey.length !== keyBytes) throw new Error('the master key must be exactly 32 bytes');

    const keys = db.collection<KeyDocument>(keysCollectionName);
    const wrappingKey = deriveWrappingKey(masterKey);
    let docs = await readKeyDocuments(keys);
    const missing = findMissingInitialKeys(docs);
    if (missing.length > 0) {
      await insertInitialKeys(keys, wrappingKey, missing);
      docs = await readKeyDocuments(keys);
    }

    const unwrapped = new Map(docs.map((doc) => [doc._id, unwrapStoredKey(wrappingKey, doc)]));
    const activeDoc = findActiveDataKey(docs);
    const blindIndexKey = unwrapped.get(blindIndexKeyId);
    if (!activeDoc || !blindIndexKey) {
      throw new Error('the keys collection has no active data key or no blind-index key');
    }

    const activeKey = unwrapped.get(activeDoc._id)!;
    const active = { id: activeDoc._id, key: activeKey, createdAt: activeDoc.createdAt };
    const ring = new KeyRing(keys, wrappingKey, active, blindIndexKey);
    for (const doc of docs) {
      if (doc.purpose === keyPurposes.data) ring.#dataKeys.set(doc._id, unwrapped.get(doc._id)!);
    }
    return ring;
  }

  /**
   * Encrypts under the active data key and a fresh nonce. `aad` names what the plaintext is
   * (e.g. `Patient/123/_history/2`) so a blob copied elsewhere fails to decrypt there.
   */
  encrypt(plaintext: Buffer, aad: string): EncryptedBlob {
    const { nonce, sealed } = sealAesGcm(this.#active.key, plaintext, Buffer.from(aad, 'utf8'));
    return toEncryptedBlob(this.#active.id, nonce, sealed);
  }

  /**
   * Decrypts and checks the tag. A key id this process has not seen (another process rotated)
   * is read from the database once before giving up. Async for that reason only: with a known
   * key it does no I/O.
   *
   * @throws FhirError `internal` "stored data failed its integrity check" on any failure: wrong
   * tag, wrong `aad`, unknown key id, malformed blob. All alike, so nothing is learnt from which.
   */
  async decrypt(blob: EncryptedBlob, aad: string): Promise<Buffer> {
    const parts = readBlobParts(blob);
    if (!parts) throw integrityFailure();

    const key = this.#dataKeys.get(parts.keyId) ?? (await this.#loadDataKey(parts.keyId));
    if (!key) throw integrityFailure();

    try {
      return openAesGcm(key, parts.nonce, parts.sealed, Buffer.from(aad, 'utf8'));
    } catch {
      throw integrityFailure();
    }
  }

  /**
   * Keyed blind index of a normalized value for one purpose (a search parameter code or a
   * variant of it). Deterministic across processes; a property so it can be passed on as a
   * {@link BlindIndexFn}. Its key never rotates (see the class comment).
   */
  readonly blindIndex: BlindIndexFn = (purpose, normalizedValue) =>
    this.#blindIndexer.compute(purpose, normalizedValue);

  /**
   * Creates a new data key, makes it the one new blobs use and retires the older ones. Retired
   * keys stay stored and cached, so every existing blob still decrypts. Other processes pick
   * the new key up when they first meet a blob under it. Returns the new key id.
   */
  async rotate(): Promise<string> {
    const id = `d-${randomBytes(9).toString('base64url')}`;
    const key = randomBytes(keyBytes);
    // Strictly newer than the key it replaces, so every process orders the two the same way.
    const createdAt = new Date(Math.max(Date.now(), this.#active.createdAt.getTime() + 1));
    const fields = { _id: id, purpose: keyPurposes.data, status: keyStatuses.active, createdAt };
    await this.#keys.insertOne(wrapKey(this.#wrappingKey, key, fields));

    // Only older keys: two processes rotating at once must not retire each other's new key.
    const older = { _id: { $ne: id }, purpose: keyPurposes.data, createdAt: { $lt: createdAt } };
    await this.#keys.updateMany(
      { ...older, status: keyStatuses.active },
      { $set: { status: keyStatuses.retired } },
    );
    this.#remember({ id, key, createdAt }, true);
    return id;
  }

  #loadDataKey(id: string): Promise<Buffer | undefined> {
    let pending = this.#pendingLoads.get(id);
    if (!pending) {
      pending = this.#fetchDataKey(id).finally(() => this.#pendingLoads.delete(id));
      this.#pendingLoads.set(id, pending);
    }
    return pending;
  }

  async #fetchDataKey(id: string): Promise<Buffer | undefined> {
    const doc: unknown = await this.#keys.findOne({ _id: id, purpose: keyPurposes.data });
    if (!isKeyDocument(doc)) return undefined;

    let key: Buffer;
    try {
      key = unwrapKey(this.#wrappingKey, doc);
    } catch {
      return undefined;
    }
    this.#remember({ id, key, createdAt: doc.createdAt }, doc.status === keyStatuses.active);
    return key;
  }

  #remember(dataKey: DataKey, isActive: boolean): void {
    this.#dataKeys.set(dataKey.id, dataKey.key);
    if (isActive && isNewer(dataKey, this.#active)) this.#active = dataKey;
  }
}

function integrityFailure(): FhirError {
  return new FhirError('internal', 'stored data failed its integrity check');
}

async function readKeyDocuments(keys: Collection<KeyDocument>): Promise<KeyDocument[]> {
  const docs: unknown[] = await keys.find({}).toArray();
  if (!docs.every(isKeyDocument)) {
    throw new Error(`the ${keysCollectionName} collection holds a document that is not a key`);
  }
  return docs;
}

/** Newest active data key; ties (concurrent rotations) broken by id so all processes agree. */
function findActiveDataKey(docs: KeyDocument[]): KeyDocument | undefined {
  let newest: KeyDocument | undefined;
  for (const doc of docs) {
    if (doc.purpose !== keyPurposes.data || doc.status !== keyStatuses.active) continue;
    if (!newest || isNewer(toKeyAge(doc), toKeyAge(newest))) newest = doc;
  }
  return newest;
}

type KeyAge = Pick<DataKey, 'id' | 'createdAt'>;

function toKeyAge(doc: KeyDocument): KeyAge {
  return { id: doc._id, createdAt: doc.createdAt };
}

function isNewer(a: KeyAge, b: KeyAge): boolean {
  const delta = a.createdAt.getTime() - b.createdAt.getTime();
  return delta > 0 || (delta === 0 && a.id > b.id);
}

/** The first keys a database needs: the blind-index key, and a data key if it has none at all. */
function findMissingInitialKeys(docs: KeyDocument[]): [string, KeyPurpose][] {
  const missing: [string, KeyPurpose][] = [];
  if (!docs.some((doc) => doc._id === blindIndexKeyId)) {
    missing.push([blindIndexKeyId, keyPurposes.blindIndex]);
  }
  if (!docs.some((doc) => doc.purpose === keyPurposes.data)) {
    missing.push([initialDataKeyId, keyPurposes.data]);
  }
  return missing;
}

async function insertInitialKeys(
  keys: Collection<KeyDocument>,
  wrappingKey: Buffer,
  missing: [string, KeyPurpose][],
): Promise<void> {
  for (const [id, purpose] of missing) {
    const fields = { _id: id, purpose, status: keyStatuses.active, createdAt: new Date() };
    try {
      await keys.insertOne(wrapKey(wrappingKey, randomBytes(keyBytes), fields));
    } catch (error) {
      // Another process created it first; its key is the one everybody uses.
      if (!(error instanceof MongoServerError && error.code === duplicateKeyCode)) throw error;
    }
  }
}

function unwrapStoredKey(wrappingKey: Buffer, doc: KeyDocument): Buffer {
  try {
    return unwrapKey(wrappingKey, doc);
  } catch {
    throw new Error(
      'the master key cannot unwrap the keys stored in this database: it is not the one they ' +
        'were created with',
    );
  }
}
