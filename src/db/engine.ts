import { join } from 'node:path';

import { ensureFerretdbBinary } from './ferretdb-build.ts';
import { startFerretdb } from './ferretdb.ts';
import { findMongod, startMemoryReplSet } from './memory-server.ts';

/** How Ward got its database; DESIGN.md "Databases: one engine, three ways to get it". */
export type EngineKind = 'external' | 'mongodb-memory-server' | 'ferretdb';

/** A running (or external) MongoDB-compatible server and how to let go of it. */
export interface DatabaseEngine {
  kind: EngineKind;
  /** Connection string without a database name; callers choose the database. */
  uri: string;
  /** One short sentence saying why this engine was chosen, for the start-up log. */
  reason: string;
  /** Stops what we started; a no-op for an external server. Safe to call twice. */
  stop(): Promise<void>;
}

/** The slice of a pino-style logger the engine start-up needs. Fields never carry PHI. */
export interface EngineLog {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
}

export interface StartDatabaseEngineOptions {
  /** `MONGODB_URI` from the configuration; when set it wins and nothing is started. */
  mongodbUri?: string;
  /** Ward's data folder; persistent engines keep their files under it. */
  dataDir: string;
  /** True for `npm start` (data survives restarts), false for tests (a temp folder). */
  persistent: boolean;
  log: EngineLog;
}

/**
 * Finds Ward's database, in DESIGN.md's order: `MONGODB_URI`; else a real `mongod` through
 * mongodb-memory-server as a one-member replica set; else FerretDB on SQLite. Throws one error
 * naming all three ways when none works.
 */
export async function startDatabaseEngine(
  options: StartDatabaseEngineOptions,
): Promise<DatabaseEngine> {
  if (options.mongodbUri) {
    return { kind: 'external', uri: options.mongodbUri, reason: 'MONGODB_URI is set', stop: noop };
  }

  const mongod = await findMongod();
  if (mongod.binaryPath) {
    const replSet = await startMemoryReplSet({
      binaryPath: mongod.binaryPath,
      dbPath: options.persistent ? join(options.dataDir, 'mongo') : undefined,
    });
    const reason = `a mongod binary is available (${mongod.source})`;
    return { kind: 'mongodb-memory-server', uri: replSet.uri, reason, stop: replSet.stop };
  }
  options.log.warn(
    { cause: mongod.reason },
    'no mongod for mongodb-memory-server; trying FerretDB',
  );

  let ferretdb;
  try {
    const binary = await ensureFerretdbBinary({ log: options.log });
    ferretdb = await startFerretdb({
      binaryPath: binary.path,
      dataDir: options.persistent ? join(options.dataDir, 'ferretdb') : undefined,
    });
  } catch (error) {
    throw new Error(
      'no database: set MONGODB_URI to a MongoDB server, or make a mongod available to ' +
        `mongodb-memory-server (${mongod.reason}), or let Ward build FerretDB with Go ` +
        `(${error instanceof Error ? error.message : 'failed'})`,
      { cause: error },
    );
  }
  const reason = `no mongod binary could be obtained (${mongod.reason}); FerretDB fallback`;
  return { kind: 'ferretdb', uri: ferretdb.uri, reason, stop: ferretdb.stop };
}

async function noop(): Promise<void> {}
