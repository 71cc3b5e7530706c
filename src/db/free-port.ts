import { createServer } from 'node:net';

/**
 * Asks the OS for a loopback port that is free right now. Another process may take it before
 * our child binds it, so callers retry on "address already in use".
 */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      server.close(() => {
        if (typeof address === 'object' && address !== null) resolve(address.port);
        else reject(new Error('the OS did not report the port it chose'));
      });
    });
  });
}
