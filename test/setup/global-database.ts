import type { TestProject } from 'vitest/node';

import { startDatabaseEngine } from '../../src/db/engine.ts';
import type { EngineKind, EngineLog } from '../../src/db/engine.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The one throw-away database engine of this test run; see test/helpers/database.ts. */
    mongodbUri: string;
    /** Which way the engine was found, for tests whose expectations differ by engine. */
    databaseEngine: EngineKind;
  }
}

const log: EngineLog = {
  info: (fields, msg) => process.stderr.write(`[database] ${msg} ${JSON.stringify(fields)}\n`),
  warn: (fields, msg) => process.stderr.write(`[database] ${msg} ${JSON.stringify(fields)}\n`),
};

/**
 * Starts one throw-away engine for the whole run (honouring MONGODB_URI) and hands its URI to
 * the test files; each file takes fresh databases from it with `openTestDatabase()`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const engine = await startDatabaseEngine({
    mongodbUri: process.env.MONGODB_URI || undefined,
    dataDir: '.data',
    persistent: false,
    log,
  });
  log.info({ kind: engine.kind, reason: engine.reason }, 'test database engine ready');
  project.provide('mongodbUri', engine.uri);
  project.provide('databaseEngine', engine.kind);
  return () => engine.stop();
}
