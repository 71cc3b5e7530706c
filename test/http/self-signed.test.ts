import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureSelfSignedCertificate } from '../../src/http/self-signed.ts';

const dayMs = 24 * 60 * 60 * 1000;
const start = new Date('2031-03-04T05:06:07Z');

let dir: string;

beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'ward-self-signed-')), 'tls');
});

afterEach(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

describe('ensureSelfSignedCertificate', () => {
  it('makes an RSA-2048 certificate for localhost, 127.0.0.1 and ::1, valid one year', async () => {
    const pair = await ensureSelfSignedCertificate(dir, start);
    const cert = new X509Certificate(pair.cert);

    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(cert.checkHost('ward.example.org')).toBeUndefined();
    expect(cert.checkPrivateKey(createPrivateKey(pair.key))).toBe(true);
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBeGreaterThanOrEqual(2048);
    expect(Date.parse(cert.validFrom)).toBeLessThanOrEqual(start.getTime());
    expect(Date.parse(cert.validTo) - start.getTime()).toBe(365 * dayMs);
  });

  it('writes the key with mode 0600', async () => {
    await ensureSelfSignedCertificate(dir, start);

    const key = await stat(join(dir, 'self-signed-key.pem'));

    expect(key.mode & 0o777).toBe(0o600);
  });

  it('reuses the stored pair on the next start while it is valid', async () => {
    const first = await ensureSelfSignedCertificate(dir, start);

    const second = await ensureSelfSignedCertificate(dir, new Date(start.getTime() + 300 * dayMs));

    expect(second).toEqual(first);
  });

  it('replaces the pair when it is within a week of expiry', async () => {
    const first = await ensureSelfSignedCertificate(dir, start);

    const later = new Date(start.getTime() + 360 * dayMs);
    const second = await ensureSelfSignedCertificate(dir, later);

    expect(second.cert).not.toBe(first.cert);
    expect(Date.parse(new X509Certificate(second.cert).validTo)).toBeGreaterThan(later.getTime());
  });

  it('replaces a stored certificate that is damaged', async () => {
    const first = await ensureSelfSignedCertificate(dir, start);
    await writeFile(join(dir, 'self-signed-cert.pem'), 'not a certificate');

    const second = await ensureSelfSignedCertificate(dir, start);

    expect(second.cert).not.toBe(first.cert);
    expect(() => new X509Certificate(second.cert)).not.toThrow();
  });

  it('tightens a loosened key file back to 0600 when reusing it', async () => {
    await ensureSelfSignedCertificate(dir, start);
    await chmod(join(dir, 'self-signed-key.pem'), 0o644);

    await ensureSelfSignedCertificate(dir, start);

    expect((await stat(join(dir, 'self-signed-key.pem'))).mode & 0o777).toBe(0o600);
  });
});
