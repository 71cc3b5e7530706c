/**
 * A real Ward server process for the SIGKILL durability test (sigkill-durability.test.ts):
 * builds the app exactly as `npm start` does (minus TLS and bootstrap), listens on an OS-chosen
 * loopback port, mints a `system/*.cruds` access token with its own issuer, and prints one line
 * `ward-ready {"port":…,"token":"…"}` on stdout. Logs go to stderr. Environment: MONGODB_URI,
 * MONGODB_DB, FHIR_MASTER_KEY, BASE_URL.
 */
import { randomBytes } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { buildApp } from '../../src/app.ts';
import { deriveAuditKeys } from '../../src/audit/audit-keys.ts';
import { loadConfig } from '../../src/config/config.ts';
import { KeyRing } from '../../src/crypto/key-ring.ts';

const config = loadConfig(process.env);
if (!config.mongodbUri || !config.masterKey) throw new Error('MONGODB_URI and FHIR_MASTER_KEY');
const client = new MongoClient(config.mongodbUri);
await client.connect();
const db = client.db(config.mongodbDbName);
const keyRing = await KeyRing.open(db, config.masterKey);
const app = await buildApp({
  config,
  db,
  keyRing,
  pageKey: randomBytes(32),
  auditKeys: deriveAuditKeys(config.masterKey),
  logStream: process.stderr,
});
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('no TCP port');
const { accessToken } = await app.wardAuthorization.server.issuer.issueAccessToken({
  subject: 'durability-test',
  clientId: 'durability-test',
  scopes: ['system/*.cruds'],
});
process.stdout.write(`ward-ready ${JSON.stringify({ port: address.port, token: accessToken })}\n`);
// The test kills this process; should the test die first, do not outlive it.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
