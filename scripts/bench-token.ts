import { randomBytes } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import type { WardCredentials } from './bench-ipc.ts';
import type { ScenarioPlan } from './bench-load.ts';

/** Assertions signed per second of load; a run that outpaces them gets replays (401s). */
const assertionsPerSecond = 1000;

/**
 * The token-endpoint scenario: `client_credentials` with `private_key_jwt` (SMART Backend
 * Services). Each request carries its own assertion with a unique `jti`, all signed here before
 * the run so that the load generator's signing does not limit the server's throughput.
 */
export async function planTokenScenario(
  credentials: WardCredentials,
  seconds: number,
): Promise<ScenarioPlan> {
  const key = await importJWK(credentials.privateJwk, 'ES384');
  const kid = String(credentials.privateJwk.kid);
  const count = Math.max(1, Math.ceil(seconds * assertionsPerSecond));
  const bodies: string[] = [];
  for (let i = 0; i < count; i++) {
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES384', kid, typ: 'JWT' })
      .setIssuer(credentials.clientId)
      .setSubject(credentials.clientId)
      .setAudience(credentials.tokenUrl)
      .setExpirationTime('5m')
      .setJti(randomBytes(12).toString('hex'))
      .sign(key);
    bodies.push(
      new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'system/Patient.rs',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }).toString(),
    );
  }
  let next = 0;
  return {
    method: 'POST',
    contentType: 'application/x-www-form-urlencoded',
    // Warm-up and measured run draw from the same list: no assertion is sent twice.
    request: () => ({ path: '/auth/token', body: bodies[next++ % bodies.length] }),
  };
}
