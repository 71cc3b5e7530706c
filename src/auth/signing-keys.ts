import { randomBytes } from 'node:crypto';
import {
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importJWK,
  importPKCS8,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
  type JWSHeaderParameters,
} from 'jose';
import { MongoServerError, type Collection, type Db } from 'mongodb';
import type { KeyRing } from '../crypto/key-ring.ts';
import type { EncryptedBlob } from '../crypto/encrypted-blob.ts';

/** The algorithm of every key Ward signs with (tokens, id_tokens). */
export const signingAlgorithm = 'ES384';

export const signingKeyStatuses = { active: 'active', retiring: 'retiring' } as const;
export type SigningKeyStatus = (typeof signingKeyStatuses)[keyof typeof signingKeyStatuses];

interface SigningKeyDocument {
  _id: string;
  alg: typeof signingAlgorithm;
  status: SigningKeyStatus;
  publicJwk: JWK;
  /** PKCS#8 PEM sealed by the key ring under `signing-key/<kid>`. */
  privateKey: EncryptedBlob;
  createdAt: Date;
  retiredAt?: Date;
}

interface LoadedKey {
  doc: SigningKeyDocument;
  publicKey: CryptoKey;
}

const collectionName = 'signing_keys';
/** Fixed id of the first key: processes starting together race to insert it, one wins. */
const initialKeyId = 's0';
const duplicateKeyCode = 11000;
/** Other processes may rotate: re-read the collection at least this often. */
const refreshIntervalMs = 60_000;
/** An unknown `kid` re-reads the collection at most this often (tokens are attacker input). */
const unknownKidReloadMs = 10_000;

export interface SigningKeysOptions {
  now?: () => Date;
  /** How long a retired key stays published: the longest life of a token it signed. */
  retirementGraceMs: number;
}

/**
 * Ward's token signing keys in the `signing_keys` collection, private halves encrypted by the
 * key ring. One key is active (signs); retired keys keep verifying and stay in the JWKS until
 * every token they signed has expired, so rotation needs no downtime.
 */
export class SigningKeys {
  readonly #collection: Collection<SigningKeyDocument>;
  readonly #keyRing: KeyRing;
  readonly #options: SigningKeysOptions;
  readonly #now: () => Date;
  #loaded = new Map<string, LoadedKey>();
  #loadedAtMs = 0;
  #lastUnknownKidReloadMs = -Infinity;
  #signer?: { kid: string; key: CryptoKey };

  private constructor(db: Db, keyRing: KeyRing, options: SigningKeysOptions) {
    this.#collection = db.collection<SigningKeyDocument>(collectionName);
    this.#keyRing = keyRing;
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Loads the keys, creating the first one on an empty database. Throws (start-up stops) when a
   * stored private key does not decrypt: fail closed rather than sign with a surprise key.
   */
  static async open(db: Db, keyRing: KeyRing, options: SigningKeysOptions): Promise<SigningKeys> {
    const keys = new SigningKeys(db, keyRing, options);
    await keys.#reload();
    if (keys.#loaded.size === 0) {
      await keys.#insertKey(initialKeyId).catch(ignoreDuplicate);
      await keys.#reload();
    }
    await keys.signingKey();
    return keys;
  }

  /** The active key for signing, re-read from the database when the cache is old. */
  async signingKey(): Promise<{ kid: string; alg: typeof signingAlgorithm; key: CryptoKey }> {
    if (this.#now().getTime() - this.#loadedAtMs > refreshIntervalMs) await this.#reload();

    const active = pickActive([...this.#loaded.values()].map((k) => k.doc));
    if (!active) throw new Error('no active signing key');
    if (this.#signer?.kid !== active._id) {
      const pem = await this.#keyRing.decrypt(active.privateKey, aadFor(active._id));
      const key = await importPKCS8(pem.toString('utf8'), signingAlgorithm);
      this.#signer = { kid: active._id, key };
    }
    return { kid: this.#signer.kid, alg: signingAlgorithm, key: this.#signer.key };
  }

  /**
   * A jose key resolver for tokens Ward signed. An unknown `kid` (another process may just have
   * rotated) re-reads the collection once, rate-limited; then it fails.
   */
  readonly resolveVerificationKey = async (header: JWSHeaderParameters): Promise<CryptoKey> => {
    const kid = header.kid;
    if (typeof kid !== 'string') throw new Error('token has no kid');

    let found = this.#loaded.get(kid);
    const nowMs = this.#now().getTime();
    if (!found && nowMs - this.#lastUnknownKidReloadMs >= unknownKidReloadMs) {
      this.#lastUnknownKidReloadMs = nowMs;
      await this.#reload();
      found = this.#loaded.get(kid);
    }
    if (!found) throw new Error('unknown kid');
    return found.publicKey;
  };

  /** Public halves of the active key and of retired keys still within their grace period. */
  async publicJwks(): Promise<JSONWebKeySet> {
    if (this.#now().getTime() - this.#loadedAtMs > refreshIntervalMs) await this.#reload();
    const nowMs = this.#now().getTime();
    const keys = [...this.#loaded.values()]
      .map((k) => k.doc)
      .filter((doc) => isPublished(doc, nowMs, this.#options.retirementGraceMs))
      .map((doc) => ({ ...doc.publicJwk, kid: doc._id, alg: doc.alg, use: 'sig' }));
    return { keys };
  }

  /**
   * Adds a new active key and retires the older ones (which keep verifying). Returns the new
   * `kid`. Two processes rotating at once both succeed; the newer key signs everywhere.
   */
  async rotate(): Promise<string> {
    const kid = `s-${randomBytes(9).toString('base64url')}`;
    const newest = Math.max(0, ...[...this.#loaded.values()].map((k) => k.doc.createdAt.getTime()));
    const createdAt = new Date(Math.max(this.#now().getTime(), newest + 1));
    await this.#insertKey(kid, createdAt);

    await this.#collection.updateMany(
      { _id: { $ne: kid }, status: signingKeyStatuses.active, createdAt: { $lt: createdAt } },
      { $set: { status: signingKeyStatuses.retiring, retiredAt: this.#now() } },
    );
    await this.#reload();
    return kid;
  }

  async #insertKey(kid: string, createdAt = this.#now()): Promise<void> {
    const { publicKey, privateKey } = await generateKeyPair(signingAlgorithm, {
      extractable: true,
    });
    const pem = await exportPKCS8(privateKey);
    await this.#collection.insertOne({
      _id: kid,
      alg: signingAlgorithm,
      status: signingKeyStatuses.active,
      publicJwk: await exportJWK(publicKey),
      privateKey: this.#keyRing.encrypt(Buffer.from(pem, 'utf8'), aadFor(kid)),
      createdAt,
    });
  }

  async #reload(): Promise<void> {
    const docs = await this.#collection.find({}).toArray();
    const loaded = new Map<string, LoadedKey>();
    for (const doc of docs) {
      const cached = this.#loaded.get(doc._id);
      const publicKey = cached?.publicKey ?? (await importPublic(doc));
      loaded.set(doc._id, { doc, publicKey });
    }
    this.#loaded = loaded;
    this.#loadedAtMs = this.#now().getTime();
  }
}

function aadFor(kid: string): string {
  return `signing-key/${kid}`;
}

async function importPublic(doc: SigningKeyDocument): Promise<CryptoKey> {
  const key = await importJWK(doc.publicJwk, doc.alg);
  if (key instanceof Uint8Array) throw new Error('a signing key is not an asymmetric key');
  return key;
}

/** Newest active key; ties (concurrent rotations) broken by id so every process agrees. */
function pickActive(docs: SigningKeyDocument[]): SigningKeyDocument | undefined {
  let newest: SigningKeyDocument | undefined;
  for (const doc of docs) {
    if (doc.status !== signingKeyStatuses.active) continue;
    const delta = newest ? doc.createdAt.getTime() - newest.createdAt.getTime() : 1;
    if (delta > 0 || (delta === 0 && doc._id > newest!._id)) newest = doc;
  }
  return newest;
}

function isPublished(doc: SigningKeyDocument, nowMs: number, graceMs: number): boolean {
  if (doc.status === signingKeyStatuses.active) return true;
  return doc.retiredAt !== undefined && doc.retiredAt.getTime() + graceMs > nowMs;
}

function ignoreDuplicate(error: unknown): void {
  if (!(error instanceof MongoServerError && error.code === duplicateKeyCode)) throw error;
}
