import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { MongoClient } from 'mongodb';
import { createClient } from '../src/auth/clients.ts';

/**
 * A bearer token for the benchmark, obtained the way a backend service gets one (SMART Backend
 * Services: a registered client, a signed assertion, `client_credentials`), so the bench
 * measures searches under the same authorization every client goes through.
 * https://hl7.org/fhir/smart-app-launch/backend-services.html
 */
export async function createTokenSource(options: {
  mongodbUri: string;
  dbName: string;
  fhirBaseUrl: string;
}): Promise<() => Promise<string>> {
  const { publicKey, privateKey } = await generateKeyPair('ES384');
  const clientId = `bench-search-${randomBytes(4).toString('hex')}`;
  const client = new MongoClient(options.mongodbUri);
  try {
    await client.connect();
    await createClient(client.db(options.dbName), {
      clientId,
      name: 'search benchmark',
      type: 'backend',
      allowedScopes: ['system/Patient.cruds', 'system/Observation.cruds'],
      jwks: { keys: [{ ...(await exportJWK(publicKey)), alg: 'ES384', kid: clientId }] },
    });
  } finally {
    await client.close();
  }

  const tokenUrl = await discoverTokenUrl(options.fhirBaseUrl);
  let current: { token: string; renewAtMs: number } | undefined;
  // Loading 10k+ resources outlasts one access token: renew at half its lifetime.
  return async () => {
    if (!current || Date.now() >= current.renewAtMs) {
      const { token, expiresInSeconds } = await requestToken(
        clientId,
        privateKey,
        tokenUrl,
        options.fhirBaseUrl,
      );
      current = { token, renewAtMs: Date.now() + (expiresInSeconds * 1000) / 2 };
    }
    return current.token;
  };
}

async function requestToken(
  clientId: string,
  privateKey: CryptoKey,
  tokenUrl: string,
  fhirBaseUrl: string,
): Promise<{ token: string; expiresInSeconds: number }> {
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES384', kid: clientId })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(tokenUrl)
    .setJti(randomUUID())
    .setExpirationTime('4m')
    .sign(privateKey);
  // The issuer's public URL may differ from where the bench reaches the server: post locally.
  const localTokenUrl = new URL(new URL(tokenUrl).pathname, fhirBaseUrl);
  const response = await fetch(localTokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope: 'system/Patient.cruds system/Observation.cruds',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }),
  });
  const body = (await response.json()) as { access_token?: unknown; expires_in?: unknown };
  if (response.status !== 200 || typeof body.access_token !== 'string') {
    throw new Error(`token request answered ${response.status}`);
  }
  const expiresInSeconds = typeof body.expires_in === 'number' ? body.expires_in : 300;
  return { token: body.access_token, expiresInSeconds };
}

async function discoverTokenUrl(fhirBaseUrl: string): Promise<string> {
  const response = await fetch(`${fhirBaseUrl}/.well-known/smart-configuration`);
  const body = (await response.json()) as { token_endpoint?: unknown };
  if (typeof body.token_endpoint !== 'string') throw new Error('no token_endpoint advertised');
  return body.token_endpoint;
}
