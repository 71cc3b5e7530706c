import { describe, expect, it } from 'vitest';
import { checkBindPolicy } from '../../src/http/bind-policy.ts';
import { makeConfig } from './test-config.ts';

const loopbackHosts = [
  '127.0.0.1',
  '127.8.9.10',
  '::1',
  '0:0:0:0:0:0:0:1',
  '::ffff:127.0.0.1',
  'localhost',
  'LOCALHOST',
];
const exposedHosts = [
  '0.0.0.0',
  '::',
  '192.168.1.20',
  '10.0.0.5',
  'fe80::1',
  '::ffff:192.168.1.20',
  'ward.example.org',
];

describe('checkBindPolicy', () => {
  describe('when the API has no authentication', () => {
    const noAuth = { hasAuthentication: false };

    it.each(loopbackHosts)('accepts plain HTTP on %s', (host) => {
      expect(() => checkBindPolicy(makeConfig({ host }), noAuth)).not.toThrow();
    });

    it.each(exposedHosts)('refuses %s, saying authentication is missing', (host) => {
      expect(() => checkBindPolicy(makeConfig({ host }), noAuth)).toThrow(/no authentication/);
    });

    it('refuses a LAN address even with TLS and a declared proxy', () => {
      const config = makeConfig({
        host: '192.168.1.20',
        tlsCertFile: '/run/tls/cert.pem',
        tlsKeyFile: '/run/tls/key.pem',
        behindTlsProxy: true,
      });

      expect(() => checkBindPolicy(config, noAuth)).toThrow(/no authentication/);
    });
  });

  describe('when the API has authentication', () => {
    const withAuth = { hasAuthentication: true };

    it('refuses plain HTTP on 0.0.0.0', () => {
      expect(() => checkBindPolicy(makeConfig({ host: '0.0.0.0' }), withAuth)).toThrow(
        /refusing plain HTTP/,
      );
    });

    it('accepts 0.0.0.0 with certificate files', () => {
      const config = makeConfig({
        host: '0.0.0.0',
        tlsCertFile: '/run/tls/cert.pem',
        tlsKeyFile: '/run/tls/key.pem',
      });

      expect(() => checkBindPolicy(config, withAuth)).not.toThrow();
    });

    it('accepts 0.0.0.0 with a self-signed certificate', () => {
      const config = makeConfig({ host: '0.0.0.0', tlsSelfSigned: true });

      expect(() => checkBindPolicy(config, withAuth)).not.toThrow();
    });

    it('accepts plain HTTP on a LAN address behind a declared TLS proxy', () => {
      const config = makeConfig({ host: '10.0.0.5', behindTlsProxy: true });

      expect(() => checkBindPolicy(config, withAuth)).not.toThrow();
    });
  });
});
