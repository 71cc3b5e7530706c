import { constants } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ServerOptions } from 'node:https';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import type { Config } from '../config/config.ts';
import { ensureSelfSignedCertificate } from './self-signed.ts';
import type { CertificatePair } from './self-signed.ts';

/**
 * The suites HIPAA.md prefers, strongest first; the server's order wins. Node takes TLS 1.3
 * suites (the `TLS_` names) in the same `ciphers` string and hands them to OpenSSL apart.
 * Everything else, CBC and non-forward-secret suites included, is refused.
 */
const cipherSuites = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES128-GCM-SHA256',
] as const;

/**
 * The HTTPS options Ward listens with, or `undefined` for plain HTTP.
 *
 * `TLS_CERT`/`TLS_KEY` win; otherwise `TLS_SELF_SIGNED` makes (or reuses) a certificate under
 * `<dataDir>/tls/`. TLS 1.2 is the floor, the cipher list is HIPAA.md's, and session tickets are
 * off: a ticket is encrypted with a key that lives for the whole process, so one leaked key
 * would open every recorded session it covered (no forward secrecy for resumed sessions).
 *
 * @throws Error naming the variable when a file cannot be read or the pair is not usable;
 *   start-up must stop there rather than fall back to plain HTTP.
 */
export async function loadTlsOptions(config: Config): Promise<ServerOptions | undefined> {
  const pair = await loadCertificatePair(config);
  if (!pair) return undefined;

  const options: ServerOptions = {
    cert: pair.cert,
    key: pair.key,
    minVersion: 'TLSv1.2',
    ciphers: cipherSuites.join(':'),
    honorCipherOrder: true,
    secureOptions: constants.SSL_OP_NO_TICKET,
  };
  assertUsable(options);
  return options;
}

async function loadCertificatePair(config: Config): Promise<CertificatePair | undefined> {
  if (config.tlsCertFile && config.tlsKeyFile) {
    return {
      cert: await readTlsFile('TLS_CERT', config.tlsCertFile),
      key: await readTlsFile('TLS_KEY', config.tlsKeyFile),
    };
  }
  if (config.tlsSelfSigned) {
    return ensureSelfSignedCertificate(join(config.dataDir, 'tls'));
  }
  return undefined;
}

async function readTlsFile(variable: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the file named by ${variable} (${path})`, { cause: error });
  }
}

/** Fails at start-up, not at the first handshake, on a damaged PEM or a mismatched pair. */
function assertUsable(options: ServerOptions): void {
  try {
    createSecureContext(options);
  } catch (error) {
    throw new Error('TLS certificate and key are not a usable PEM pair', { cause: error });
  }
}
