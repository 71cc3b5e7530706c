import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSelfSignedCertificate } from '../../src/http/self-signed.ts';
import { loadTlsOptions } from '../../src/http/tls.ts';
import { makeConfig } from './test-config.ts';
import { probeTls } from './tls-probe.ts';

// Written out here, not imported, so a change to the server's list has to change this test too.
const hipaaSuites = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES128-GCM-SHA256',
];

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ward-tls-'));
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('loadTlsOptions', () => {
  it('returns undefined when neither certificate files nor self-signed is configured', async () => {
    const config = makeConfig({ dataDir });

    await expect(loadTlsOptions(config)).resolves.toBeUndefined();
  });

  it('serves the certificate and key named by TLS_CERT and TLS_KEY', async () => {
    const pair = await ensureSelfSignedCertificate(join(dataDir, 'given'));
    const certFile = join(dataDir, 'given-cert.pem');
    const keyFile = join(dataDir, 'given-key.pem');
    await writeFile(certFile, pair.cert);
    await writeFile(keyFile, pair.key);

    const options = await loadTlsOptions(
      makeConfig({ dataDir, tlsCertFile: certFile, tlsKeyFile: keyFile }),
    );

    expect(options?.cert).toBe(pair.cert);
    expect(options?.key).toBe(pair.key);
  });

  it('stops start-up with an error naming TLS_CERT when the file cannot be read', async () => {
    const config = makeConfig({
      dataDir,
      tlsCertFile: join(dataDir, 'absent-cert.pem'),
      tlsKeyFile: join(dataDir, 'absent-key.pem'),
    });

    await expect(loadTlsOptions(config)).rejects.toThrow(/TLS_CERT/);
  });

  it('stops start-up when the key does not belong to the certificate', async () => {
    const first = await ensureSelfSignedCertificate(join(dataDir, 'first'));
    const second = await ensureSelfSignedCertificate(join(dataDir, 'second'));
    const certFile = join(dataDir, 'mismatch-cert.pem');
    const keyFile = join(dataDir, 'mismatch-key.pem');
    await writeFile(certFile, first.cert);
    await writeFile(keyFile, second.key);

    const config = makeConfig({ dataDir, tlsCertFile: certFile, tlsKeyFile: keyFile });

    await expect(loadTlsOptions(config)).rejects.toThrow('not a usable PEM pair');
  });
});

describe('an HTTPS server built from loadTlsOptions with a self-signed certificate', () => {
  let server: Server;
  let port: number;
  let cert: string;

  beforeAll(async () => {
    const options = await loadTlsOptions(makeConfig({ dataDir, tlsSelfSigned: true }));
    if (!options) throw new Error('expected TLS options');
    cert = String(options.cert);

    server = createServer(options, (_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses a client limited to TLS 1.1 with a protocol-version alert', async () => {
    // SECLEVEL=0 lets this client offer TLS 1.1 at all, so the refusal is the server's.
    const handshake = await probeTls(port, {
      minVersion: 'TLSv1.1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    });

    expect(handshake).toEqual({ ok: false, code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
  });

  it('accepts TLS 1.2 with a HIPAA suite and a certificate valid for 127.0.0.1', async () => {
    const handshake = await probeTls(port, {
      maxVersion: 'TLSv1.2',
      ca: cert,
      rejectUnauthorized: true,
    });

    expect(handshake.ok && handshake.protocol).toBe('TLSv1.2');
    expect(hipaaSuites).toContain(handshake.ok && handshake.cipher);
  });

  it('accepts TLS 1.3 with a HIPAA suite and a certificate valid for localhost', async () => {
    const handshake = await probeTls(port, {
      minVersion: 'TLSv1.3',
      ca: cert,
      servername: 'localhost',
      rejectUnauthorized: true,
    });

    expect(handshake.ok && handshake.protocol).toBe('TLSv1.3');
    expect(hipaaSuites).toContain(handshake.ok && handshake.cipher);
  });

  it("chooses by the server's order, not the client's", async () => {
    const handshake = await probeTls(port, {
      maxVersion: 'TLSv1.2',
      ciphers: 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384',
    });

    expect(handshake.ok && handshake.cipher).toBe('ECDHE-RSA-AES256-GCM-SHA384');
  });

  it('refuses a TLS 1.2 client offering only a CBC suite', async () => {
    const handshake = await probeTls(port, {
      maxVersion: 'TLSv1.2',
      ciphers: 'ECDHE-RSA-AES128-SHA',
    });

    expect(handshake).toEqual({ ok: false, code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' });
  });

  it('refuses a TLS 1.3 client offering only TLS_AES_128_GCM_SHA256', async () => {
    const handshake = await probeTls(port, {
      minVersion: 'TLSv1.3',
      ciphers: 'TLS_AES_128_GCM_SHA256',
    });

    expect(handshake).toEqual({ ok: false, code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' });
  });

  it.each(['TLSv1.2', 'TLSv1.3'] as const)(
    'issues no session ticket and resumes no session over %s',
    async (version) => {
      const pinned = { minVersion: version, maxVersion: version };
      const first = await probeTls(port, pinned);
      if (!first.ok) throw new Error(`handshake failed: ${first.code}`);

      const second = await probeTls(port, { ...pinned, session: first.session });

      expect(first.hasTicket).toBe(false);
      expect(second.ok && second.isReused).toBe(false);
    },
  );
});
