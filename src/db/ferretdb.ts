import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { findFreePort } from './free-port.ts';
import { startSupervisedProcess } from './supervised-process.ts';
import type { SupervisedProcess } from './supervised-process.ts';
import { waitForPing } from './wait-for-ping.ts';

const host = '127.0.0.1';
const portAttempts = 5;

/** A FerretDB server we started, on SQLite, on a loopback port. */
export interface FerretdbServer {
  uri: string;
  port: number;
  /** The ferretdb process id, for diagnostics and tests. */
  pid: number;
  /** Where its SQLite files and state.json live. */
  dir: string;
  /** Stops it (SIGTERM, then SIGKILL after the grace period); a throw-away folder goes too. */
  stop(): Promise<void>;
}

export interface StartFerretdbOptions {
  binaryPath: string;
  /** A folder kept across runs; when absent a temp folder is used and removed on stop. */
  dataDir?: string;
  startTimeoutMs?: number;
  stopGraceMs?: number;
}

/**
 * Starts FerretDB on SQLite and waits until it answers `ping`. The port comes from the OS;
 * if another process takes it first, FerretDB cannot bind and we retry with a new one.
 */
export async function startFerretdb(options: StartFerretdbOptions): Promise<FerretdbServer> {
  const isThrowAway = options.dataDir === undefined;
  const dir = isThrowAway
    ? await mkdtemp(join(tmpdir(), 'ward-ferretdb-'))
    : resolve(options.dataDir ?? '');
  await mkdir(dir, { recursive: true });

  try {
    for (let attempt = 1; ; attempt++) {
      const port = await findFreePort(host);
      const started = await startOnPort({ ...options, dir, port, isThrowAway });
      if (started) return started;
      if (attempt >= portAttempts)
        throw new Error(`FerretDB found no free port in ${attempt} tries`);
    }
  } catch (error) {
    if (isThrowAway) await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Returns undefined when the port was taken meanwhile, so that the caller retries. */
async function startOnPort(
  options: StartFerretdbOptions & { dir: string; port: number; isThrowAway: boolean },
): Promise<FerretdbServer | undefined> {
  const { dir, port } = options;
  const graceMs = options.stopGraceMs ?? 5000;
  const child = await startSupervisedProcess({
    command: options.binaryPath,
    args: ferretdbArgs(dir, port),
    // https://docs.ferretdb.io/telemetry/ — both the flag and DO_NOT_TRACK opt out.
    env: { ...process.env, DO_NOT_TRACK: '1' },
    graceMs,
    scratchDir: options.isThrowAway ? dir : undefined,
  });

  const uri = `mongodb://${host}:${port}/`;
  const outcome = await waitForPing({
    uri,
    host,
    port,
    timeoutMs: options.startTimeoutMs ?? 30_000,
    hasGivenUp: () => child.hasExited(),
  });
  if (outcome === 'ready') {
    child.unref();
    return { uri, port, pid: child.pid, dir, stop: () => stopServer(child, dir, options) };
  }

  await child.stop();
  if (outcome === 'exited' && /address already in use/i.test(child.stderrTail())) return undefined;
  throw new Error(
    outcome === 'exited'
      ? `FerretDB exited during start-up; its stderr ends with:\n${child.stderrTail()}`
      : `FerretDB did not answer ping within the start-up timeout; its stderr ends with:\n${child.stderrTail()}`,
  );
}

function ferretdbArgs(dir: string, port: number): string[] {
  return [
    '--handler=sqlite',
    // A directory URI: FerretDB keeps one SQLite file per database in it; the slash matters.
    `--sqlite-url=file:${dir}/`,
    `--listen-addr=${host}:${port}`,
    // state.json would land in the working directory by default.
    `--state-dir=${dir}`,
    // The debug/metrics listener defaults to 127.0.0.1:8088 in every instance; "-" disables it.
    '--debug-addr=-',
    '--telemetry=disable',
    // Its log lines could echo queries; only warnings are kept, and only for start-up errors.
    '--log-level=warn',
  ];
}

async function stopServer(
  child: SupervisedProcess,
  dir: string,
  options: { isThrowAway: boolean },
): Promise<void> {
  await child.stop();
  if (options.isThrowAway) await rm(dir, { recursive: true, force: true });
}
