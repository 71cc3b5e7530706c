import pino from 'pino';
import { buildApp } from './app.ts';
import { bootstrapIfEmpty } from './auth/bootstrap.ts';
import { loadConfig } from './config/config.ts';
import type { Config } from './config/config.ts';
import { checkBindPolicy } from './http/bind-policy.ts';
import { loadTlsOptions } from './http/tls.ts';
import { openWard } from './open-ward.ts';

/**
 * Start-up: configuration, bind policy, master key, database, key ring, TLS, listen; then wait
 * for SIGTERM or SIGINT and shut down in order. Any failure before listening stops the process
 * with one line on stderr.
 */
async function main(): Promise<void> {
  const config = readConfigOrExit();
  const log = pino({ level: config.logLevel });
  // Every /fhir request needs a bearer token; off loopback, TLS (or a declared proxy) is required.
  checkBindPolicy(config, { hasAuthentication: true });

  const ward = await openWard(config, log);
  try {
    const https = await loadTlsOptions(config);
    const { db, keyRing, pageKey, auditKeys } = ward;
    const app = await buildApp({ config, db, keyRing, pageKey, auditKeys, https });
    await app.ready();
    const credentialsFile = await bootstrapIfEmpty(db, keyRing, config.dataDir);
    // Only the file's existence is logged: it holds the first admin's password and MFA secret.
    if (credentialsFile) log.warn({ file: credentialsFile }, 'first start: initial credentials written');
    await app.listen({ port: config.port, host: config.host });
    registerShutdown(async () => {
      await app.close();
      await ward.close();
    }, log);
  } catch (err) {
    await ward.close();
    throw err;
  }
}

function readConfigOrExit(): Readonly<Config> {
  try {
    return loadConfig(process.env);
  } catch (err) {
    process.stderr.write(`ward: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

function registerShutdown(stop: () => Promise<void>, log: pino.Logger): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.error({ type: (err as Error).name }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err: unknown) => {
  // One line: our own errors carry a clear message; others get their type only.
  const message = err instanceof Error ? err.message : 'unexpected failure';
  process.stderr.write(`ward: start-up failed: ${message}\n`);
  process.exit(1);
});
