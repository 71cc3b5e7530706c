import { createHmac, hkdfSync } from 'node:crypto';

/** 128 bits: collisions stay negligible for any index size while entries stay small. */
const digestBytes = 16;

/** Purposes are search-parameter codes and their variants: a small, fixed set in practice. */
const maxCachedPurposes = 4096;

/**
 * Keyed blind indexes: HMAC-SHA256 under a key derived per purpose with HKDF (RFC 5869), so
 * the same value under two purposes (say `family` and `given`) gives unrelated digests and the
 * index does not reveal that two fields hold equal values.
 */
export class BlindIndexer {
  readonly #blindIndexKey: Buffer;
  readonly #purposeKeys = new Map<string, Buffer>();

  constructor(blindIndexKey: Buffer) {
    this.#blindIndexKey = blindIndexKey;
  }

  /** Deterministic for one purpose and value; base64url of the truncated HMAC. */
  compute(purpose: string, normalizedValue: string): string {
    return createHmac('sha256', this.#keyFor(purpose))
      .update(normalizedValue, 'utf8')
      .digest()
      .subarray(0, digestBytes)
      .toString('base64url');
  }

  #keyFor(purpose: string): Buffer {
    const cached = this.#purposeKeys.get(purpose);
    if (cached) return cached;

    const info = Buffer.from(`ward/blind-index/v1/${purpose}`, 'utf8');
    const key = Buffer.from(hkdfSync('sha256', this.#blindIndexKey, Buffer.alloc(0), info, 32));
    if (this.#purposeKeys.size >= maxCachedPurposes) this.#purposeKeys.clear();
    this.#purposeKeys.set(purpose, key);
    return key;
  }
}
