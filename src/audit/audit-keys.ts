import { createPrivateKey, createPublicKey, hkdfSync, type KeyObject } from 'node:crypto';

/** The keys of the audit trail's tamper evidence, all derived from the master key. */
export interface AuditKeys {
  /** HMAC-SHA-256 key of the hash chains. */
  chainKey: Buffer;
  /** Ed25519 key that signs checkpoints, and its public half for verification. */
  signingKey: KeyObject;
  verifyKey: KeyObject;
}

// PKCS#8 prefix of an Ed25519 private key (RFC 8410 §7): the 32-byte seed follows it.
const ed25519Pkcs8Prefix = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * Derives the audit keys from the master key with HKDF-SHA-256 (RFC 5869), one `info` label
 * per key. Deterministic, so every process and the verification command hold the same keys
 * without storing them; someone with database access only can neither extend a chain nor sign
 * a checkpoint.
 */
export function deriveAuditKeys(masterKey: Buffer): AuditKeys {
  if (masterKey.length !== 32) throw new Error('the master key must be exactly 32 bytes');
  const derive = (info: string) =>
    Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), info, 32));

  const seed = derive('ward/audit/checkpoint-ed25519');
  const signingKey = createPrivateKey({
    key: Buffer.concat([ed25519Pkcs8Prefix, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  return {
    chainKey: derive('ward/audit/chain-hmac'),
    signingKey,
    verifyKey: createPublicKey(signingKey),
  };
}
