import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isChildMessage } from './bench-ipc.ts';
import type { ChildMessage, ServerKind, ServerSample, WardCredentials } from './bench-ipc.ts';

const serverScript = fileURLToPath(new URL('./bench-server.ts', import.meta.url));
const readyTimeoutMs = 60_000;
const stopGraceMs = 10_000;

/** A server child as the bench sees it: where to send load, and its own CPU accounting. */
export interface BenchServer {
  kind: ServerKind;
  /** e.g. `http://127.0.0.1:40123/fhir` */
  baseUrl: string;
  /** Ward only: its access token and backend client (bench-ipc.ts). */
  credentials?: WardCredentials;
  sample(): Promise<ServerSample>;
  /** Asks it to close; kills it if it has not exited within the grace period. */
  stop(): Promise<void>;
}

/** Forks `bench-server.ts <kind>` under tsx and waits until it listens. */
export async function startBenchServer(
  kind: ServerKind,
  env: NodeJS.ProcessEnv,
): Promise<BenchServer> {
  // BENCH_CPU_PROF_DIR: each server writes a V8 CPU profile there when it exits.
  const profileDir = env.BENCH_CPU_PROF_DIR;
  const profileArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = fork(serverScript, [kind], {
    execArgv: ['--import', 'tsx', ...profileArgs],
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let ready;
  try {
    ready = await nextMessage(child, 'ready', readyTimeoutMs);
  } catch (error) {
    await killAndWait(child, exited);
    throw error;
  }
  return {
    kind,
    baseUrl: `http://127.0.0.1:${ready.port}${ready.basePath}`,
    credentials: ready.credentials,
    sample: async () => {
      const reply = nextMessage(child, 'sample', readyTimeoutMs);
      child.send({ kind: 'sample' });
      return (await reply).sample;
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ kind: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), stopGraceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

type MessageOf<K extends ChildMessage['kind']> = Extract<ChildMessage, { kind: K }>;

/** The next message of `kind`; rejects on a `failed` message, on exit, or after `timeoutMs`. */
function nextMessage<K extends 'ready' | 'sample'>(
  child: ChildProcess,
  kind: K,
  timeoutMs: number,
): Promise<MessageOf<K>> {
  return new Promise((resolve, reject) => {
    const finish = (error?: Error, message?: MessageOf<K>) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(message as MessageOf<K>);
    };
    const onMessage = (message: unknown) => {
      if (!isChildMessage(message)) return;
      if (message.kind === 'failed') finish(new Error(`bench server failed: ${message.message}`));
      else if (message.kind === kind) finish(undefined, message as MessageOf<K>);
    };
    const onExit = () => finish(new Error(`bench server exited while waiting for '${kind}'`));
    const timer = setTimeout(() => finish(new Error(`no '${kind}' from bench server`)), timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function killAndWait(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await exited;
}
