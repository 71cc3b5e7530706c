import { BlockList, isIP } from 'node:net';
import type { Config } from '../config/config.ts';

/** Options for {@link checkBindPolicy}. */
export interface BindPolicyOptions {
  /**
   * Whether requests are authenticated. While this is false, anyone who can reach the socket
   * reads PHI, so Ward listens on loopback only, TLS or not. Set it true once SMART
   * authorization guards every route.
   */
  hasAuthentication: boolean;
}

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/**
 * Refuses, before listening, a `HOST` that would expose PHI:
 * - any non-loopback address while the API has no authentication;
 * - plain HTTP on a non-loopback address unless a TLS-terminating proxy is declared
 *   (HIPAA.md "Encryption": TLS 1.2+ in transit).
 *
 * @throws Error with a one-line reason; start-up stops there.
 */
export function checkBindPolicy(config: Config, options: BindPolicyOptions): void {
  if (isLoopbackHost(config.host)) return;

  if (!options.hasAuthentication) {
    throw new Error(
      `refusing to listen on ${config.host}: the API has no authentication yet, so Ward listens only on loopback (127.0.0.0/8, ::1, localhost)`,
    );
  }

  const servesTls = Boolean(config.tlsCertFile) || config.tlsSelfSigned;
  if (!servesTls && !config.behindTlsProxy) {
    throw new Error(
      `refusing plain HTTP on ${config.host}: set TLS_CERT and TLS_KEY, TLS_SELF_SIGNED, or BEHIND_TLS_PROXY, or listen on loopback`,
    );
  }
}

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and the name localhost (RFC 6761 §6.3). */
function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;

  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host)?.[1];
  if (mapped) return loopback.check(mapped, 'ipv4');

  const family = isIP(host);
  if (family === 4) return loopback.check(host, 'ipv4');
  if (family === 6) return loopback.check(host, 'ipv6');
  return false;
}
