import { connect } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';

/** What a test client saw of one handshake. */
export type Handshake =
  | {
      ok: true;
      protocol: string | null;
      cipher: string;
      isReused: boolean;
      hasTicket: boolean;
      session?: Buffer;
    }
  | { ok: false; code: string };

/** Connects to 127.0.0.1:port, sends one request, reports the handshake and closes. */
export function probeTls(port: number, options: ConnectionOptions = {}): Promise<Handshake> {
  return new Promise((resolve) => {
    let session: Buffer | undefined;
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options });

    // TLS 1.3 hands out sessions after the handshake; waiting for the response lets them arrive.
    socket.on('session', (value: Buffer) => (session = value));
    socket.on('secureConnect', () => {
      const report = {
        ok: true as const,
        protocol: socket.getProtocol(),
        cipher: socket.getCipher().name,
        isReused: socket.isSessionReused(),
        hasTicket: socket.getTLSTicket() !== undefined,
      };
      socket.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      socket.once('data', () => {
        resolve({ ...report, session: session ?? socket.getSession() });
        socket.destroy();
      });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      resolve({ ok: false, code: error.code ?? 'unknown' });
    });
  });
}
