import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** AES-256 key length. */
export const keyBytes = 32;

/** 96 bits: the nonce length GCM is defined for (NIST SP 800-38D §8.2). */
export const nonceBytes = 12;

/** Full 128-bit tag; shorter tags weaken the integrity check HIPAA asks for. */
export const tagBytes = 16;

/** One AES-256-GCM encryption: a fresh random nonce and `ciphertext || tag`. */
export interface Sealed {
  nonce: Buffer;
  sealed: Buffer;
}

/**
 * Encrypts under a fresh random nonce. Random 96-bit nonces stay safe for up to 2^32
 * encryptions per key (SP 800-38D §8.3); rotating the data key resets that count.
 */
export function sealAesGcm(key: Buffer, plaintext: Buffer, aad: Buffer): Sealed {
  const nonce = randomBytes(nonceBytes);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: tagBytes });
  cipher.setAAD(aad);
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { nonce, sealed };
}

/**
 * Decrypts `ciphertext || tag` and checks the tag. Throws (node's own error) on any mismatch;
 * callers turn that into their own error so that every failure looks alike.
 */
export function openAesGcm(
  key: Buffer,
  nonce: Uint8Array,
  sealed: Uint8Array,
  aad: Buffer,
): Buffer {
  if (nonce.length !== nonceBytes || sealed.length < tagBytes) {
    throw new Error('malformed AES-GCM input');
  }
  const tagStart = sealed.length - tagBytes;
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: tagBytes });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(tagStart));
  return Buffer.concat([decipher.update(sealed.subarray(0, tagStart)), decipher.final()]);
}
