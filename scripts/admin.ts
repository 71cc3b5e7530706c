import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { MongoClient } from 'mongodb';
import pino from 'pino';
import { runAdminCommand } from '../src/auth/admin-commands.ts';
import { resolveOAuthSettings } from '../src/auth/oauth-settings.ts';
import { readRoleConfigFile } from '../src/auth/roles.ts';
import { loadConfig } from '../src/config/config.ts';
import { KeyRing } from '../src/crypto/key-ring.ts';
import { loadMasterKey } from '../src/crypto/master-key.ts';
import { startDatabaseEngine } from '../src/db/engine.ts';

/**
 * `npm run admin -- <command> ...`: user, client and key administration against the database
 * the server uses, found the way `src/main.ts` finds it (configuration, master key, engine).
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = pino({ level: 'warn' }, process.stderr);
  const masterKey = await loadMasterKey({
    configuredKey: config.masterKey,
    dataDir: config.dataDir,
    allowKeyFile: !config.mongodbUri,
  });
  const engine = await startDatabaseEngine({
    mongodbUri: config.mongodbUri,
    dataDir: config.dataDir,
    persistent: true,
    log,
  });
  const client = new MongoClient(engine.uri, {
    appName: 'ward-admin',
    serverSelectionTimeoutMS: 10_000,
  });
  try {
    await client.connect();
    const db = client.db(config.mongodbDbName);
    const fhirBaseUrl = config.baseUrl ?? `http://${config.host}:${config.port}/fhir`;
    await runAdminCommand(process.argv.slice(2), {
      db,
      keyRing: await KeyRing.open(db, masterKey.key),
      roles: readRoleConfigFile(),
      oauthSettings: resolveOAuthSettings({ fhirBaseUrl }),
      promptPassword,
      print: (line) => process.stdout.write(`${line}\n`),
    });
  } finally {
    await client.close();
    await engine.stop();
  }
}

/** Reads a password from the terminal without echoing it, or one line from piped stdin. */
function promptPassword(): Promise<string> {
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({
    input: process.stdin,
    output: muted,
    terminal: process.stdin.isTTY,
  });
  if (process.stdin.isTTY) process.stderr.write('password: ');
  return new Promise((resolve) => {
    rl.once('line', (line) => {
      rl.close();
      if (process.stdin.isTTY) process.stderr.write('\n');
      resolve(line);
    });
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`ward admin: ${err instanceof Error ? err.message : 'failed'}\n`);
  process.exit(1);
});
