import { X509Certificate, createPrivateKey, generateKeyPair, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';

/** A PEM certificate and its PEM private key. */
export interface CertificatePair {
  cert: string;
  key: string;
}

const certFileName = 'self-signed-cert.pem';
const keyFileName = 'self-signed-key.pem';
const validityDays = 365;
const dayMs = 24 * 60 * 60 * 1000;
/** Regenerate a little before expiry so a running server is not caught by it. */
const renewBeforeMs = 7 * dayMs;

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * Returns a self-signed certificate for localhost, 127.0.0.1 and ::1 kept in `dir` (the key
 * with mode 0600). A pair already there is reused while it stays valid past the renewal margin
 * and the key matches; otherwise a new RSA-2048 pair valid for one year replaces it.
 */
export async function ensureSelfSignedCertificate(
  dir: string,
  now: Date = new Date(),
): Promise<CertificatePair> {
  const certPath = join(dir, certFileName);
  const keyPath = join(dir, keyFileName);

  const existing = await readPairIfPresent(certPath, keyPath);
  if (existing && isUsable(existing, now)) {
    await chmod(keyPath, 0o600);
    return existing;
  }

  const pair = await createSelfSignedCertificate(now);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFileAtomically(keyPath, pair.key, 0o600);
  await writeFileAtomically(certPath, pair.cert, 0o644);
  return pair;
}

async function readPairIfPresent(
  certPath: string,
  keyPath: string,
): Promise<CertificatePair | undefined> {
  try {
    const [cert, key] = await Promise.all([
      readFile(certPath, 'utf8'),
      readFile(keyPath, 'utf8'),
    ]);
    return { cert, key };
  } catch (error) {
    if (isMissingFile(error)) return undefined;
    throw error;
  }
}

function isUsable(pair: CertificatePair, now: Date): boolean {
  try {
    const cert = new X509Certificate(pair.cert);
    const notBefore = Date.parse(cert.validFrom);
    const notAfter = Date.parse(cert.validTo);

    const isCurrent = notBefore <= now.getTime() && now.getTime() + renewBeforeMs < notAfter;
    return isCurrent && cert.checkPrivateKey(createPrivateKey(pair.key));
  } catch {
    // A damaged or foreign file is replaced rather than trusted.
    return false;
  }
}

async function createSelfSignedCertificate(now: Date): Promise<CertificatePair> {
  const { publicKey, privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });

  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  cert.serialNumber = createSerialNumber();
  // Backdated a minute so a client clock slightly behind ours still accepts it.
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + validityDays * dayMs);

  const subject = [
    { name: 'commonName', value: 'localhost' },
    { name: 'organizationName', value: 'Ward self-signed' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', critical: true, digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    // Browsers and Node match the host against the SAN only, never the CN (RFC 2818 §3.1).
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());

  return { cert: forge.pki.certificateToPem(cert), key: privateKey };
}

/** 16 random bytes with the top bit clear: a positive serial, as RFC 5280 §4.1.2.2 requires. */
function createSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

async function writeFileAtomically(path: string, content: string, mode: number): Promise<void> {
  const temporaryPath = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporaryPath, content, { mode, flag: 'wx' });
  await chmod(temporaryPath, mode);
  await rename(temporaryPath, path);
}

function isMissingFile(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}
