import { randomBytes } from 'node:crypto';
import { Binary, BSON, type Db } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAesGcm } from '../../src/crypto/aes-gcm.ts';
import type { EncryptedBlob } from '../../src/crypto/encrypted-blob.ts';
import {
  deriveWrappingKey,
  isKeyDocument,
  keysCollectionName,
  unwrapKey,
} from '../../src/crypto/key-document.ts';
import { KeyRing } from '../../src/crypto/key-ring.ts';
import { FhirError } from '../../src/fhir/fhir-error.ts';
import { openTestDatabase } from '../helpers/database.ts';

const aad = 'Patient/example-1/_history/1';
const plaintext = Buffer.from(
  JSON.stringify({ resourceType: 'Patient', id: 'example-1', name: [{ family: 'Zzyzxtestname' }] }),
);

function withByteFlipped(binary: Binary, index: number): Binary {
  const bytes = Buffer.from(binary.value());
  const at = index < 0 ? bytes.length + index : index;
  bytes[at] = bytes[at]! ^ 0x01;
  return new Binary(bytes);
}

async function expectIntegrityFailure(attempt: Promise<unknown>): Promise<void> {
  const error: unknown = await attempt.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(FhirError);
  expect(error).toMatchObject({
    kind: 'internal',
    diagnostics: 'stored data failed its integrity check',
  });
}

describe('KeyRing', () => {
  let db: Db;
  let close: () => Promise<void>;
  let masterKey: Buffer;

  beforeEach(async () => {
    ({ db, close } = await openTestDatabase());
    masterKey = randomBytes(32);
  });

  afterEach(async () => {
    await close();
  });

  it('decrypts what it encrypted', async () => {
    const ring = await KeyRing.open(db, masterKey);

    const blob = ring.encrypt(plaintext, aad);

    expect((await ring.decrypt(blob, aad)).equals(plaintext)).toBe(true);
    expect(blob.n.value()).toHaveLength(12);
    expect(blob.c.value()).toHaveLength(plaintext.length + 16);
  });

  it('decrypts a blob after it went through the database', async () => {
    const ring = await KeyRing.open(db, masterKey);
    const resources = db.collection<{ _id: string; body: EncryptedBlob }>('crypto_round_trip');
    await resources.insertOne({ _id: 'example-1', body: ring.encrypt(plaintext, aad) });

    const stored = await resources.findOne({ _id: 'example-1' });

    expect((await ring.decrypt(stored!.body, aad)).equals(plaintext)).toBe(true);
  });

  it('uses a fresh nonce each time, so equal plaintexts give different ciphertexts', async () => {
    const ring = await KeyRing.open(db, masterKey);

    const first = ring.encrypt(plaintext, aad);
    const second = ring.encrypt(plaintext, aad);

    expect(Buffer.from(first.n.value()).equals(Buffer.from(second.n.value()))).toBe(false);
    expect(Buffer.from(first.c.value()).equals(Buffer.from(second.c.value()))).toBe(false);
  });

  describe('when a stored blob was altered', () => {
    it('refuses a changed ciphertext byte', async () => {
      const ring = await KeyRing.open(db, masterKey);
      const blob = ring.encrypt(plaintext, aad);

      await expectIntegrityFailure(ring.decrypt({ ...blob, c: withByteFlipped(blob.c, 0) }, aad));
    });

    it('refuses a changed tag byte', async () => {
      const ring = await KeyRing.open(db, masterKey);
      const blob = ring.encrypt(plaintext, aad);

      await expectIntegrityFailure(ring.decrypt({ ...blob, c: withByteFlipped(blob.c, -1) }, aad));
    });

    it('refuses a changed nonce', async () => {
      const ring = await KeyRing.open(db, masterKey);
      const blob = ring.encrypt(plaintext, aad);

      await expectIntegrityFailure(ring.decrypt({ ...blob, n: withByteFlipped(blob.n, 5) }, aad));
    });

    it('refuses a blob moved to another resource, id or version', async () => {
      const ring = await KeyRing.open(db, masterKey);
      const blob = ring.encrypt(plaintext, aad);

      for (const elsewhere of [
        'Observation/example-1/_history/1',
        'Patient/example-2/_history/1',
        'Patient/example-1/_history/2',
      ]) {
        await expectIntegrityFailure(ring.decrypt(blob, elsewhere));
      }
    });

    it('refuses a blob naming a key id that does not exist', async () => {
      const ring = await KeyRing.open(db, masterKey);
      const blob = ring.encrypt(plaintext, aad);

      await expectIntegrityFailure(ring.decrypt({ ...blob, k: 'd-doesnotexist' }, aad));
    });

    it('refuses blobs of the wrong shape', async () => {
      const ring = await KeyRing.open(db, masterKey);
      const blob = ring.encrypt(plaintext, aad);
      const truncatedNonce = new Binary(Buffer.from(blob.n.value()).subarray(0, 8));
      const tagOnly = new Binary(Buffer.from(blob.c.value()).subarray(0, 15));
      const malformed: unknown[] = [
        { ...blob, n: truncatedNonce },
        { ...blob, c: tagOnly },
        { ...blob, k: { $ne: null } },
        { k: blob.k, n: blob.n },
        null,
      ];

      for (const bad of malformed) {
        await expectIntegrityFailure(ring.decrypt(bad as EncryptedBlob, aad));
      }
    });
  });

  it('refuses to open with a master key other than the one that created the keys', async () => {
    await KeyRing.open(db, masterKey);

    await expect(KeyRing.open(db, randomBytes(32))).rejects.toThrow(
      /master key cannot unwrap the keys stored in this database/,
    );
  });

  it('stores no raw key bytes in the keys collection', async () => {
    const ring = await KeyRing.open(db, masterKey);
    await ring.rotate();
    const blob = ring.encrypt(plaintext, aad);
    const docs: unknown[] = await db.collection(keysCollectionName).find({}).toArray();
    const wrappingKey = deriveWrappingKey(masterKey);

    expect(docs).toHaveLength(3);
    const rawKeys = docs.map((doc) => {
      if (!isKeyDocument(doc)) throw new Error('not a key document');
      return unwrapKey(wrappingKey, doc);
    });
    const activeKey = rawKeys.find((key) => {
      try {
        return openAesGcm(key, blob.n.value(), blob.c.value(), Buffer.from(aad)).equals(plaintext);
      } catch {
        return false;
      }
    });
    expect(activeKey).toBeDefined();

    const storedBytes = Buffer.concat(docs.map((doc) => BSON.serialize(doc as BSON.Document)));
    const storedText = storedBytes.toString('latin1');
    for (const key of rawKeys) {
      expect(storedBytes.includes(key)).toBe(false);
      expect(storedText.includes(key.toString('base64'))).toBe(false);
      expect(storedText.includes(key.toString('hex'))).toBe(false);
    }
  });

  describe('rotate', () => {
    it('keeps old blobs readable and encrypts new blobs under the new key', async () => {
      const ring = await KeyRing.open(db, masterKey);
      const before = ring.encrypt(plaintext, aad);

      const newKeyId = await ring.rotate();
      const after = ring.encrypt(plaintext, aad);

      expect(newKeyId).not.toBe(before.k);
      expect(after.k).toBe(newKeyId);
      expect((await ring.decrypt(before, aad)).equals(plaintext)).toBe(true);
      expect((await ring.decrypt(after, aad)).equals(plaintext)).toBe(true);
    });

    it('retires the old data key and leaves the new one active for the next start', async () => {
      const ring = await KeyRing.open(db, masterKey);
      const oldKeyId = ring.encrypt(plaintext, aad).k;

      const newKeyId = await ring.rotate();
      const reopened = await KeyRing.open(db, masterKey);

      const statuses = await db
        .collection(keysCollectionName)
        .find({ purpose: 'data' }, { projection: { status: 1 } })
        .toArray();
      expect(Object.fromEntries(statuses.map((doc) => [doc._id, doc.status]))).toEqual({
        [oldKeyId]: 'retired',
        [newKeyId]: 'active',
      });
      expect(reopened.encrypt(plaintext, aad).k).toBe(newKeyId);
    });
  });

  describe('when several processes share the database', () => {
    it('decrypts in one ring what another ring encrypted', async () => {
      const first = await KeyRing.open(db, masterKey);
      const second = await KeyRing.open(db, masterKey);

      const blob = first.encrypt(plaintext, aad);

      expect((await second.decrypt(blob, aad)).equals(plaintext)).toBe(true);
    });

    it('decrypts blobs under a key another ring rotated to after this one opened', async () => {
      const first = await KeyRing.open(db, masterKey);
      const second = await KeyRing.open(db, masterKey);

      const newKeyId = await first.rotate();
      const blob = first.encrypt(plaintext, aad);

      expect((await second.decrypt(blob, aad)).equals(plaintext)).toBe(true);
      expect(second.encrypt(plaintext, aad).k).toBe(newKeyId);
    });

    it('creates exactly one data key and one blind-index key when they open together', async () => {
      const rings = await Promise.all(
        Array.from({ length: 5 }, () => KeyRing.open(db, masterKey)),
      );

      const purposes = await db
        .collection(keysCollectionName)
        .find({}, { projection: { purpose: 1 } })
        .toArray();
      expect(purposes.map((doc) => doc.purpose).sort()).toEqual(['blind-index', 'data']);
      const blobs = rings.map((ring) => ring.encrypt(plaintext, aad));
      expect(new Set(blobs.map((blob) => blob.k)).size).toBe(1);
      for (const ring of rings) {
        for (const blob of blobs) {
          expect((await ring.decrypt(blob, aad)).equals(plaintext)).toBe(true);
        }
      }
      expect(new Set(rings.map((ring) => ring.blindIndex('family', 'zzyzx'))).size).toBe(1);
    });
  });

  describe('blindIndex', () => {
    it('is deterministic for one purpose, also across rings on the same database', async () => {
      const first = await KeyRing.open(db, masterKey);
      const second = await KeyRing.open(db, masterKey);

      const digest = first.blindIndex('family', 'zzyzxtestname');

      expect(first.blindIndex('family', 'zzyzxtestname')).toBe(digest);
      expect(second.blindIndex('family', 'zzyzxtestname')).toBe(digest);
      expect(digest).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(digest).not.toContain('zzyzx');
    });

    it('differs across purposes and across values', async () => {
      const ring = await KeyRing.open(db, masterKey);

      const family = ring.blindIndex('family', 'zzyzxtestname');

      expect(ring.blindIndex('given', 'zzyzxtestname')).not.toBe(family);
      expect(ring.blindIndex('family:prefix', 'zzyzxtestname')).not.toBe(family);
      expect(ring.blindIndex('family', 'zzyzxtestnamf')).not.toBe(family);
    });

    it('survives a data key rotation unchanged', async () => {
      const ring = await KeyRing.open(db, masterKey);
      const before = ring.blindIndex('birthdate', '1970-01-01');

      await ring.rotate();

      expect(ring.blindIndex('birthdate', '1970-01-01')).toBe(before);
    });

    it('can be handed on as a plain function', async () => {
      const ring = await KeyRing.open(db, masterKey);
      const { blindIndex } = ring;
      const direct = ring.blindIndex('family', 'zzyzxtestname');

      expect(blindIndex('family', 'zzyzxtestname')).toBe(direct);
    });
  });
});
