import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { keyBytes } from './aes-gcm.ts';

/** Where the master key came from, for the start-up log line. */
export type MasterKeySource = 'environment' | 'key-file' | 'new-key-file';

export interface MasterKeyOptions {
  /** `FHIR_MASTER_KEY`, already base64-decoded by the configuration. */
  configuredKey?: Buffer;
  dataDir: string;
  /** Only the embedded default may keep its key in a file beside the data. */
  allowKeyFile: boolean;
}

const keyFileName = 'master.key';
const base64KeyPattern = /^[A-Za-z0-9+/]{43}=$/;

/**
 * Finds the master key that wraps every data key: `FHIR_MASTER_KEY` when set, otherwise (embedded
 * default only) `<dataDir>/master.key`, created on first start. Whoever loses that file loses the
 * data; whoever reads it reads the data, hence mode 0600 and the refusal of anything looser.
 *
 * @throws Error with one line that says what to fix and never contains the key.
 */
export async function loadMasterKey(
  options: MasterKeyOptions,
): Promise<{ key: Buffer; source: MasterKeySource }> {
  if (options.configuredKey) {
    if (options.configuredKey.length !== keyBytes) {
      throw new Error(`FHIR_MASTER_KEY must decode to exactly ${keyBytes} bytes`);
    }
    return { key: options.configuredKey, source: 'environment' };
  }
  if (!options.allowKeyFile) {
    throw new Error(`no master key: set FHIR_MASTER_KEY to ${keyBytes} random bytes in base64`);
  }

  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const path = join(options.dataDir, keyFileName);
  const existing = await readKeyFile(path);
  if (existing) return { key: existing, source: 'key-file' };

  const created = await createKeyFile(path);
  if (created) return { key: created, source: 'new-key-file' };

  // Another process created the file between our read and our write: use theirs.
  const raced = await readKeyFile(path);
  if (!raced) throw new Error(`master key file ${path} vanished while it was being created`);
  return { key: raced, source: 'key-file' };
}

/** The key in the file, `undefined` when there is no file; throws when the file is unsafe. */
async function readKeyFile(path: string): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return undefined;
    if (hasCode(error, 'ELOOP')) throw new Error(`master key file ${path} is a symbolic link`);
    throw error;
  }

  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new Error(`master key file ${path} is not a regular file`);
    if ((stats.mode & 0o077) !== 0) {
      throw new Error(`master key file ${path} is readable by group or others: chmod 600 it`);
    }
    return parseKey((await handle.readFile('utf8')).trim(), path);
  } finally {
    await handle.close();
  }
}

function parseKey(text: string, path: string): Buffer {
  const key = base64KeyPattern.test(text) ? Buffer.from(text, 'base64') : undefined;
  if (!key || key.length !== keyBytes) {
    throw new Error(`master key file ${path} is malformed: expected ${keyBytes} bytes in base64`);
  }
  return key;
}

/**
 * Writes a new key to a private temporary file, then links it into place. `link` never replaces
 * an existing name, so of two processes starting at once exactly one key wins, and nobody can
 * read a half-written file. Returns `undefined` when another process won.
 */
async function createKeyFile(path: string): Promise<Buffer | undefined> {
  const key = randomBytes(keyBytes);
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${key.toString('base64')}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }

  try {
    await link(temporary, path);
  } catch (error) {
    if (hasCode(error, 'EEXIST')) return undefined;
    throw error;
  } finally {
    await unlink(temporary);
  }
  await syncDirectory(dirname(path));
  return key;
}

/** Makes the new directory entry itself durable, not only the file's bytes. */
async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function hasCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
