import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import {
  access,
  chmod,
  cp,
  mkdir,
  mkdtemp,
  readdir,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import type { EngineLog } from './engine.ts';

const run = promisify(execFile);

/** The FerretDB release Ward falls back to; DESIGN.md "Databases". */
export const FERRETDB_VERSION = 'v1.24.2';

const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';

/** The project root: two levels above this file (src/db/). */
const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Where the built binary is cached: `.cache/ferretdb/<version>/` in the project root (ignored). */
export function defaultFerretdbCacheDir(): string {
  return join(projectRoot, '.cache', 'ferretdb', FERRETDB_VERSION);
}

export interface FerretdbBinary {
  path: string;
  /** False when the cached binary was reused. */
  isFreshBuild: boolean;
}

/**
 * Returns the cached FerretDB binary, building it first when it is missing.
 *
 * A plain `go install …/cmd/ferretdb@v1.24.2` yields a binary that panics at start: the module
 * zip lacks the generated `build/version/version.txt`, which its version package requires of a
 * main-module build (https://pkg.go.dev/github.com/FerretDB/FerretDB/build/version). So the
 * module source is fetched with `go mod download`, copied to a scratch folder, given that file,
 * and built there. The binary lands in a temp folder inside the cache and is renamed into place,
 * so a concurrent second build cannot leave a half-written file behind: the last rename wins
 * and both are complete.
 */
export async function ensureFerretdbBinary(options: { log: EngineLog }): Promise<FerretdbBinary> {
  const cacheDir = defaultFerretdbCacheDir();
  const binaryPath = join(cacheDir, 'ferretdb');
  if (await isExecutable(binaryPath)) return { path: binaryPath, isFreshBuild: false };

  const go = await findGo();
  options.log.info(
    { version: FERRETDB_VERSION },
    'building FerretDB (once; takes a minute or two)',
  );
  await mkdir(cacheDir, { recursive: true });
  const scratch = await mkdtemp(join(cacheDir, '.build-'));
  try {
    const builtPath = await buildInto(go, scratch);
    await checkVersion(builtPath);
    await rename(builtPath, binaryPath);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  options.log.info({ version: FERRETDB_VERSION }, 'FerretDB built and cached');
  return { path: binaryPath, isFreshBuild: true };
}

async function buildInto(go: string, scratch: string): Promise<string> {
  const env = { ...process.env, GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' };
  const download = await runGo(
    go,
    ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`],
    {
      cwd: scratch,
      env,
    },
  );
  const moduleDir = parseModuleDir(download);

  const source = join(scratch, 'src');
  await cp(moduleDir, source, { recursive: true });
  await makeFoldersWritable(source);
  await writeFile(join(source, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);

  const output = join(scratch, 'ferretdb');
  await runGo(go, ['build', '-trimpath', '-o', output, './cmd/ferretdb'], { cwd: source, env });
  return output;
}

function parseModuleDir(goModDownloadJson: string): string {
  const parsed: unknown = JSON.parse(goModDownloadJson);
  if (typeof parsed === 'object' && parsed !== null && 'Dir' in parsed) {
    const dir = (parsed as { Dir: unknown }).Dir;
    if (typeof dir === 'string' && dir !== '') return dir;
  }
  throw new Error('go mod download did not report the FerretDB source folder');
}

/** The copy keeps the module cache's read-only modes; we write one file and later remove it all. */
async function makeFoldersWritable(root: string): Promise<void> {
  await chmod(root, 0o755);
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (entry.isDirectory()) await chmod(join(entry.parentPath, entry.name), 0o755);
  }
}

async function checkVersion(binaryPath: string): Promise<void> {
  const { stdout } = await run(binaryPath, ['--version'], { timeout: 30_000 });
  if (!stdout.includes(`version: ${FERRETDB_VERSION}`)) {
    throw new Error(`the built FerretDB binary does not report version ${FERRETDB_VERSION}`);
  }
}

async function runGo(
  go: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<string> {
  try {
    const { stdout } = await run(go, args, { ...options, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    const tail = typeof stderr === 'string' ? stderr.slice(-2000) : '';
    throw new Error(`go ${args[0] ?? ''} failed while building FerretDB:\n${tail}`, {
      cause: error,
    });
  }
}

/** `go` from PATH, else the usual install location of the official tarball. */
async function findGo(): Promise<string> {
  const candidates = [
    ...(process.env.PATH ?? '')
      .split(':')
      .filter(Boolean)
      .map((dir) => join(dir, 'go')),
    '/usr/local/go/bin/go',
  ];
  for (const candidate of candidates) {
    if (await isExecutable(candidate)) return candidate;
  }
  throw new Error(
    `cannot build FerretDB ${FERRETDB_VERSION}: no Go toolchain found (looked on PATH and in /usr/local/go/bin)`,
  );
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
