import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { startSupervisedProcess } from '../../src/db/supervised-process.ts';
import { isAlive, waitUntil, waitUntilGone } from './process-state.ts';

const stubbornChild = fileURLToPath(new URL('./fixtures/stubborn-child.ts', import.meta.url));
const ignoresTerm = ['-c', "trap '' TERM; while :; do sleep 0.2; done"];

describe('startSupervisedProcess', () => {
  it('escalates to SIGKILL when the process ignores SIGTERM, then removes its scratch folder', async () => {
    const scratchDir = await mkdtemp(join(tmpdir(), 'ward-stubborn-'));
    const server = await startSupervisedProcess({
      command: 'sh',
      args: ignoresTerm,
      graceMs: 300,
      scratchDir,
    });
    expect(isAlive(server.pid)).toBe(true);

    await server.stop();

    expect(isAlive(server.pid)).toBe(false);
    expect(existsSync(scratchDir)).toBe(false);
  });

  it('reports what the command wrote to stderr', async () => {
    const server = await startSupervisedProcess({
      command: 'sh',
      args: ['-c', 'echo "cannot start: marker-8841" >&2; exit 4'],
      graceMs: 300,
    });

    expect(await server.exited).toBe(4);
    expect(server.stderrTail()).toContain('marker-8841');
  });

  describe('when our process is killed with SIGKILL', () => {
    it('still kills a process that ignores SIGTERM, and cleans up after it', async () => {
      const parent = spawn(process.execPath, ['--import', 'tsx', stubbornChild], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const [line] = (await once(createInterface({ input: parent.stdout }), 'line')) as [string];
      const { pid, dir } = JSON.parse(line) as { pid: number; dir: string };

      parent.kill('SIGKILL');

      expect(await waitUntilGone(pid, 10_000)).toBe(true);
      expect(await waitUntilGone(parent.pid ?? -1, 5_000)).toBe(true);
      expect(await waitUntil(() => !existsSync(dir), 5_000)).toBe(true);
    });
  });
});
