import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';

/**
 * The wrapper between us and the server. Its stdin is a pipe from our process; a watcher blocks
 * reading it, and when the pipe closes — `stop()` ends it, or our process died, even by SIGKILL,
 * and the kernel closed it — the watcher sends SIGTERM, then SIGKILL after the grace period.
 * The server's pid is the first line on stdout. When the server exits by itself the watcher is
 * killed first, so it never signals a pid that the system may have handed to someone else.
 * Background jobs of a non-interactive sh read /dev/null unless redirected, hence fd 3. The
 * wrapper's own output goes to /dev/null once the pid is out: after we died, a message of its
 * own (such as "Terminated") would hit a broken pipe and kill it before it cleans up.
 */
const wrapperScript = `
exec 3<&0 4>&2 2>/dev/null
"$@" 0</dev/null 2>&4 3<&- 4>&- &
child=$!
echo "$child"
exec >/dev/null 4>&-
{
  cat <&3
  kill -TERM "$child"
  tries=0
  while kill -0 "$child" && [ "$tries" -lt "$WARD_GRACE_TENTHS" ]; do
    sleep 0.1
    tries=$((tries + 1))
  done
  kill -KILL "$child"
} &
watcher=$!
exec 3<&-
wait "$child"
status=$?
kill "$watcher"
[ -n "$WARD_SCRATCH_DIR" ] && rm -rf "$WARD_SCRATCH_DIR"
exit "$status"
`;

const stderrTailBytes = 4096;

export interface SupervisedProcess {
  /** The pid of the server itself (not of its wrapper). */
  pid: number;
  /** Resolves once the wrapper has exited, with its exit code (null when signalled). */
  exited: Promise<number | null>;
  hasExited(): boolean;
  /** The last few KiB the server wrote to stderr: for start-up errors only. */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after the grace period; resolves when the process is gone. */
  stop(): Promise<void>;
  /** Lets our process exit without stopping it first; the pipe then stops it. */
  unref(): void;
}

/**
 * Starts `command` so that it cannot outlive us. `scratchDir`, when given, is removed by the
 * wrapper after the server exits, which also covers the case where we were killed.
 */
export async function startSupervisedProcess(options: {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  graceMs: number;
  scratchDir?: string;
}): Promise<SupervisedProcess> {
  const argv = ['-c', wrapperScript, 'ward-supervisor', options.command, ...options.args];
  const wrapper = spawn('sh', argv, {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...(options.env ?? process.env),
      WARD_GRACE_TENTHS: String(Math.max(1, Math.ceil(options.graceMs / 100))),
      WARD_SCRATCH_DIR: options.scratchDir ?? '',
    },
  });
  const exited = watchExit(wrapper);
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    wrapper.stdin.destroy();
  });

  let stderr = '';
  wrapper.stderr.setEncoding('utf8');
  wrapper.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-stderrTailBytes);
  });

  const pid = await readPid(wrapper, exited);

  return {
    pid,
    exited,
    hasExited: () => hasExited,
    stderrTail: () => stderr,
    stop: () => stopWrapper(wrapper, pid, exited, options.graceMs),
    unref: () => {
      wrapper.unref();
      for (const stream of [wrapper.stdin, wrapper.stdout, wrapper.stderr]) {
        (stream as unknown as { unref?: () => void }).unref?.();
      }
    },
  };
}

function watchExit(wrapper: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    wrapper.once('exit', (code) => resolve(code));
    wrapper.once('error', () => resolve(null));
  });
}

async function readPid(
  wrapper: ChildProcessWithoutNullStreams,
  exited: Promise<number | null>,
): Promise<number> {
  wrapper.stdout.setEncoding('utf8');
  let buffered = '';
  const firstLine = new Promise<string>((resolve) => {
    const onData = (chunk: string): void => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      wrapper.stdout.off('data', onData);
      // Keep draining: a full pipe would block the server.
      wrapper.stdout.resume();
      resolve(buffered.slice(0, newline));
    };
    wrapper.stdout.on('data', onData);
  });

  const line = await Promise.race([firstLine, exited.then(() => '')]);
  const pid = Number.parseInt(line, 10);
  if (!Number.isSafeInteger(pid) || pid <= 0) {
    throw new Error('the process supervisor did not start');
  }
  return pid;
}

async function stopWrapper(
  wrapper: ChildProcessWithoutNullStreams,
  pid: number,
  exited: Promise<number | null>,
  graceMs: number,
): Promise<void> {
  if (wrapper.exitCode !== null || wrapper.signalCode !== null) return;
  wrapper.stdin.end();

  // The wrapper escalates by itself; this covers a wrapper that is stuck or gone.
  const timer = setTimeout(() => {
    killQuietly(pid);
    killQuietly(wrapper.pid);
  }, graceMs + 2000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

function killQuietly(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
