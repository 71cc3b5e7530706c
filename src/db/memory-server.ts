import { constants } from 'node:fs';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

import { findFreePort } from './free-port.ts';

const downloadProbeTimeoutMs = 5000;
const defaultDownloadHost = 'https://fastdl.mongodb.org';

export interface MongodLookup {
  /** The mongod to run, when one could be found or obtained. */
  binaryPath?: string;
  /** Where it came from, e.g. "MONGOMS_SYSTEM_BINARY" or "cached download". */
  source: string;
  /** Why there is none, when there is none; a short clause for the start-up log. */
  reason: string;
}

/**
 * Finds a mongod for mongodb-memory-server without waiting minutes for a download that cannot
 * succeed: a configured or cached binary first, then a download only if the download host
 * answers within a few seconds. mongodb-memory-server's own settings (MONGOMS_* variables)
 * are honoured: https://typegoose.github.io/mongodb-memory-server/docs/api/config-options
 */
export async function findMongod(env: NodeJS.ProcessEnv = process.env): Promise<MongodLookup> {
  const configured = env.MONGOMS_SYSTEM_BINARY;
  if (configured) {
    if (await isExecutable(configured)) {
      return { binaryPath: configured, source: 'MONGOMS_SYSTEM_BINARY', reason: '' };
    }
    return { source: '', reason: 'MONGOMS_SYSTEM_BINARY does not name an executable file' };
  }

  const onPath = await findOnPath('mongod', env.PATH ?? '');
  if (onPath) return { binaryPath: onPath, source: 'mongod on PATH', reason: '' };

  const { DryMongoBinary, MongoBinary } = await import('mongodb-memory-server');
  const cached = await DryMongoBinary.locateBinary(DryMongoBinary.getEnsuredOptions()).catch(
    () => undefined,
  );
  if (cached) return { binaryPath: cached, source: 'cached download', reason: '' };

  if (/^(false|0|no|off)$/i.test(env.MONGOMS_RUNTIME_DOWNLOAD ?? '')) {
    return {
      source: '',
      reason: 'none installed; downloads turned off by MONGOMS_RUNTIME_DOWNLOAD',
    };
  }
  const downloadUrl =
    env.MONGOMS_DOWNLOAD_URL || env.MONGOMS_DOWNLOAD_MIRROR || defaultDownloadHost;
  if (!(await isReachable(downloadUrl))) {
    return {
      source: '',
      reason: 'none installed; download failed: host unreachable',
    };
  }

  try {
    const downloaded = await MongoBinary.getPath();
    return { binaryPath: downloaded, source: 'downloaded', reason: '' };
  } catch {
    return { source: '', reason: 'none installed; download failed' };
  }
}

/** Any HTTP answer counts: we only want to know whether a download could start at all. */
async function isReachable(url: string): Promise<boolean> {
  try {
    await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(downloadProbeTimeoutMs) });
    return true;
  } catch {
    return false;
  }
}

export interface MemoryReplSet {
  uri: string;
  stop(): Promise<void>;
}

/**
 * Runs `mongod` as a one-member replica set, so that transactions and change streams work.
 * With `dbPath` the data survives restarts; the port is kept beside it, because the replica
 * set configuration stored in the data names host and port.
 */
export async function startMemoryReplSet(options: {
  binaryPath: string;
  dbPath?: string;
}): Promise<MemoryReplSet> {
  const { MongoMemoryReplSet } = await import('mongodb-memory-server');
  const instanceOpts = options.dbPath
    ? [{ dbPath: options.dbPath, port: await readOrChoosePort(options.dbPath) }]
    : [];
  const replSet = await MongoMemoryReplSet.create({
    binary: { systemBinary: options.binaryPath },
    replSet: { count: 1, storageEngine: 'wiredTiger' },
    instanceOpts,
  });

  let stopping: Promise<unknown> | undefined;
  return {
    uri: replSet.getUri(),
    stop: async () => {
      stopping ??= replSet.stop({ doCleanup: options.dbPath === undefined, force: false });
      await stopping;
    },
  };
}

async function readOrChoosePort(dbPath: string): Promise<number> {
  await mkdir(dbPath, { recursive: true });
  const portFile = `${dbPath}.port`;
  const saved = Number.parseInt(await readFile(portFile, 'utf8').catch(() => ''), 10);
  if (Number.isSafeInteger(saved) && saved > 0 && saved < 65536) return saved;

  const port = await findFreePort();
  await writeFile(portFile, `${port}\n`);
  return port;
}

async function findOnPath(name: string, pathVariable: string): Promise<string | undefined> {
  for (const dir of pathVariable.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
